"""Deciding from the AWS console: the decision workflow (statemachines/decision.asl.json) executed by
moto, invoking the real DecideApproval handler on a real waiting release. The console door is proven
by Step Functions (DescribeExecution), never by a field of the event."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, cast

import pytest

import lambdas.decide_approval as decide_approval
from bluegreen.errors import ApprovalDecisionError
from bluegreen.local.iam_roles import local_role_arn
from bluegreen.local.template_roles import DECISION_WORKFLOW
from bluegreen.local.workflow import ACCOUNT, FakeContext, load_definition
from bluegreen.release.console import decision_state_machine_name
from tests.integration.release_world import World, release_world

DECISION_ASL = Path(__file__).resolve().parents[2] / "statemachines" / "decision.asl.json"


def decision_workflow(world: World, name: str | None = None) -> str:
    return str(
        world.workflow.aws.sfn.create_state_machine(
            name=name or decision_state_machine_name(world.config.app, world.config.environment),
            definition=load_definition(DECISION_ASL),
            roleArn=local_role_arn(DECISION_WORKFLOW, ACCOUNT),
        )["stateMachineArn"]
    )


def start_decision(world: World, machine: str, decision: dict[str, str]) -> dict[str, Any]:
    sfn = world.workflow.aws.sfn
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(decision), name=str(uuid.uuid4()))[
        "executionArn"
    ]
    return world.workflow.wait_for_end(arn)


def waiting_release(world: World) -> tuple[str, str]:
    arn = world.workflow.start({"version": "v2", "triggered_by": "ci-pipeline"})
    release_id = arn.rsplit(":", 1)[-1]
    world.workflow.wait_for_approval_request(release_id)
    return arn, release_id


def invoke(world: World, event: dict[str, Any]) -> Any:
    """A direct invocation of DecideApproval, running under its role as on AWS."""
    with world.workflow.acting_as("DecideApproval"):
        return decide_approval.handler(
            event, cast(Any, FakeContext("DecideApproval")), rt=world.workflow.runtime
        )


def test_console_rejection_records_the_proven_decision_execution() -> None:
    with release_world() as world:
        machine = decision_workflow(world)
        arn, release_id = waiting_release(world)
        # An input that tries to claim an identity is ignored: only the named fields are passed on
        decision = start_decision(
            world,
            machine,
            {"release_id": release_id, "decision": "reject", "reason": "5xx", "approver": "U024BE7LH"},
        )
        assert decision["status"] == "SUCCEEDED", decision
        assert world.workflow.wait_for_end(arn)["status"] == "FAILED"
        approval = world.workflow.record(release_id)["approval"]
        assert approval["via"] == "console"
        assert approval["reason"] == "5xx"
        rejected_by = approval["rejected_by"]
        assert rejected_by["door"] == "console"
        assert rejected_by["evidence"]["state_machine_arn"] == machine
        assert rejected_by["evidence"]["execution_arn"].startswith(
            f"arn:aws:states:us-east-1:{ACCOUNT}:execution:"
        )
        assert rejected_by["person"] is None  # Step Functions does not say who started it


def test_the_console_cannot_approve_because_it_cannot_tell_who_you_are() -> None:
    with release_world() as world:
        machine = decision_workflow(world)
        arn, release_id = waiting_release(world)
        refused = start_decision(world, machine, {"release_id": release_id, "decision": "approve"})
        assert refused["status"] == "FAILED"
        assert "console can reject but not approve" in str(refused.get("cause"))
        assert world.workflow.describe(arn)["status"] == "RUNNING"
        assert world.workflow.pending_approval(release_id) is not None
        world.workflow.decide(release_id, "reject", "arn:aws:iam::123456789012:role/release-approver", "over")


def test_a_direct_invoke_cannot_claim_the_console_door() -> None:
    with release_world() as world:
        arn, release_id = waiting_release(world)
        # a made-up execution, the release's own execution, and a look-alike machine's execution
        lookalike = decision_workflow(world, name="someone-elses-decision")
        fake_input = {"release_id": release_id, "decision": "reject", "reason": "forged"}
        lookalike_run = world.workflow.aws.sfn.start_execution(
            stateMachineArn=lookalike, input=json.dumps(fake_input), name="lookalike-run"
        )["executionArn"]
        world.workflow.wait_for_end(lookalike_run)  # it fails: no console door for it either
        for execution in (
            f"arn:aws:states:us-east-1:{ACCOUNT}:execution:bluegreen-myapp-prod-decision:made-up",
            arn,
            lookalike_run,
        ):
            with pytest.raises(ApprovalDecisionError, match="not a decision-workflow execution"):
                invoke(world, {"console": {"input": fake_input, "execution": execution}})
        assert world.workflow.describe(arn)["status"] == "RUNNING"
        world.workflow.decide(release_id, "reject", "arn:aws:iam::123456789012:role/release-approver", "over")


def test_a_direct_invoke_is_break_glass_whatever_via_it_claims_and_keeps_the_allow_list() -> None:
    with release_world() as world:
        arn, release_id = waiting_release(world)
        # not an approver, claiming the console: refused, and nothing decided
        with pytest.raises(ApprovalDecisionError, match="is not an approver"):
            invoke(
                world,
                {
                    "release_id": release_id,
                    "decision": "approve",
                    "approver": "arn:aws:sts::123456789012:assumed-role/developer/mallory",
                    "via": "console",
                },
            )
        assert world.workflow.pending_approval(release_id) is not None
        # an approver's identity, claiming the console: recorded as break-glass, with the request id
        outcome = invoke(
            world,
            {
                "release_id": release_id,
                "decision": "approve",
                "approver": "arn:aws:sts::123456789012:assumed-role/release-approver/erin@myapp.com",
                "via": "console",
            },
        )
        assert outcome["status"] == "approved"
        assert world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
        (vote,) = world.workflow.record(release_id)["approval"]["votes"]
        assert vote["door"] == "break_glass"
        assert vote["approver"] == "erin@myapp.com"
        assert vote["verified"] is False
        assert vote["evidence"]["request_id"] == "local"
        assert vote["evidence"]["claimed_approver"].endswith("/erin@myapp.com")
