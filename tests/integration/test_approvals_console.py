"""Deciding from the AWS console: the decision workflow (statemachines/decision.asl.json) executed by
moto, invoking the real DecideApproval handler on a real waiting release."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from bluegreen.local.iam_roles import local_role_arn
from bluegreen.local.template_roles import DECISION_WORKFLOW
from bluegreen.local.workflow import ACCOUNT, load_definition
from tests.integration.release_world import World, release_world

DECISION_ASL = Path(__file__).resolve().parents[2] / "statemachines" / "decision.asl.json"


def decision_workflow(world: World) -> str:
    return str(
        world.workflow.aws.sfn.create_state_machine(
            name="myapp-prod-decision",
            definition=load_definition(DECISION_ASL),
            roleArn=local_role_arn(DECISION_WORKFLOW, ACCOUNT),
        )["stateMachineArn"]
    )


def start_decision(world: World, machine: str, decision: dict[str, str]) -> dict[str, object]:
    sfn = world.workflow.aws.sfn
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(decision), name=str(uuid.uuid4()))[
        "executionArn"
    ]
    return world.workflow.wait_for_end(arn)


def test_console_approval_releases_and_records_the_decision_execution() -> None:
    with release_world() as world:
        machine = decision_workflow(world)
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci-pipeline"})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        # An input that tries to claim an identity is ignored: only the named fields are passed on
        decision = start_decision(
            world, machine, {"release_id": release_id, "decision": "approve", "approver": "U024BE7LH"}
        )
        assert decision["status"] == "SUCCEEDED"
        assert "approved" in str(decision["output"])
        assert world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
        (vote,) = world.workflow.record(release_id)["approval"]["votes"]
        assert vote["via"] == "console"
        assert vote["approver"] == "console"
        assert vote["identity"].startswith("console:arn:aws:states:")


def test_console_refusal_fails_the_decision_execution_with_the_reason() -> None:
    with release_world() as world:
        machine = decision_workflow(world)
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci-pipeline"})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        world.workflow.aws.cloudwatch.set_alarm_state(
            AlarmName="myapp-prod-5xx", StateValue="ALARM", StateReason="burning"
        )
        refused = start_decision(world, machine, {"release_id": release_id, "decision": "approve"})
        assert refused["status"] == "FAILED"
        assert world.workflow.describe(arn)["status"] == "RUNNING"
        rejected = start_decision(
            world, machine, {"release_id": release_id, "decision": "reject", "reason": "5xx"}
        )
        assert rejected["status"] == "SUCCEEDED"
        assert world.workflow.wait_for_end(arn)["status"] == "FAILED"
        assert world.workflow.record(release_id)["approval"]["reason"] == "5xx"
