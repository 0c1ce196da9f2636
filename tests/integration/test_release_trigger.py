"""Who started a release is verified where AWS can tell: `bluegreen release start` signs its call
to the StartRelease Function URL, which records the SigV4-verified caller before StartExecution,
and Prepare checks that evidence against the execution's input. Real releases through the moto
harness; the Function URL played on loopback as AWS plays it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from click.testing import CliRunner, Result

import lambdas.start_release as start_release_handler
from bluegreen.adapters.slack import APPROVE_ACTION
from bluegreen.cli import commands  # noqa: F401 - registers the commands
from bluegreen.cli.main import cli
from bluegreen.local.workflow import FakeContext
from bluegreen.release.trigger import TriggerEvidence, input_digest, trigger_key
from tests.integration.function_url import iam_function_url
from tests.integration.release_world import MYAPP, REPO, World, release_world
from tests.integration.slack_world import ALICE_U, slack_release_world
from tests.integration.slack_world import APPROVER_U as CAROL_U

ACCOUNT = "123456789012"
ALICE_STARTER = f"arn:aws:sts::{ACCOUNT}:assumed-role/release-starter/alice@myapp.com"
ALICE_APPROVER = f"arn:aws:sts::{ACCOUNT}:assumed-role/release-approver/alice@myapp.com"
BOB_APPROVER = f"arn:aws:sts::{ACCOUNT}:assumed-role/release-approver/bob@myapp.com"
PIPELINE = f"arn:aws:sts::{ACCOUNT}:assumed-role/release-pipeline/release-1234"
DEVELOPER = f"arn:aws:sts::{ACCOUNT}:assumed-role/developer/zed"


@contextmanager
def start_url(world: World, caller: str) -> Iterator[str]:
    def handle(event: dict[str, Any]) -> dict[str, Any]:
        with world.workflow.acting_as("StartRelease"):  # under its role, IAM enforced
            result: dict[str, Any] = start_release_handler.handler(
                event,
                cast(Any, FakeContext("StartRelease")),
                rt=world.workflow.runtime,
                state_machine_arn=world.workflow.aws.state_machine_arn,
            )
        return result

    with iam_function_url(handle, caller) as url:
        yield url


def cli_start(world: World, url: str, *args: str) -> Result:
    env = {
        "BLUEGREEN_START_URL": url,
        "BLUEGREEN_STATE_MACHINE_ARN": world.workflow.aws.state_machine_arn,
        "BLUEGREEN_RELEASES_TABLE": "bluegreen-releases",
        "AWS_REGION": "us-east-1",
    }
    argv = ["--config", str(MYAPP), "--json", "release", "start", "--version", "v2", *args]
    return CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)


def started(world: World, result: Result) -> str:
    assert result.exit_code == 0, result.output
    release_id = str(json.loads(result.output)["release_id"])
    world.workflow.wait_for_approval_request(release_id)
    return release_id


def approve_as(world: World, release_id: str, approver: str) -> dict[str, Any]:
    from tests.integration.test_approvals_cli import function_url

    with function_url(world.workflow, approver) as (url, _):
        env = {"BLUEGREEN_DECIDE_URL": url, "AWS_REGION": "us-east-1"}
        result = CliRunner().invoke(
            cli, ["--config", str(MYAPP), "--json", "approve", release_id], env=env, catch_exceptions=False
        )
    return cast(dict[str, Any], json.loads(result.output))


def test_the_cli_start_records_the_verified_caller_not_the_name_it_claims() -> None:
    with slack_release_world(approvals__slack_approvers=[CAROL_U, ALICE_U]) as sw:
        world = sw.world
        # Given alice starts a release through StartRelease, claiming to be bob
        with start_url(world, ALICE_STARTER) as url:
            release_id = started(world, cli_start(world, url, "--triggered-by", "bob@myapp.com"))
        # Then the record names alice, verified, and keeps the claim as evidence
        record = world.workflow.record(release_id)
        assert record["triggered_by"] == "alice@myapp.com"
        trigger = record["trigger"]
        assert trigger["door"] == "start_release"
        assert trigger["verified"] is True
        assert trigger["person"] == "alice@myapp.com"
        assert trigger["evidence"] == {"principal_arn": ALICE_STARTER, "claim": "bob@myapp.com"}
        # and alice cannot approve it, neither in Slack nor from the CLI; bob can
        sw.click(world.workflow.pending_approval(release_id) or "", ALICE_U)
        assert "alice@myapp.com triggered this release and cannot approve it" in sw.last_answer()
        assert approve_as(world, release_id, ALICE_APPROVER)["status"] == "refused"
        assert approve_as(world, release_id, BOB_APPROVER)["status"] == "approved"
        request = next(c for c in sw.slack.of("chat.postMessage") if c.args.get("blocks"))
        assert "alice@myapp.com" in json.dumps(request.args["blocks"])
        assert "verified: start_release" in json.dumps(request.args["blocks"])


def test_a_pipeline_role_starts_for_the_mapped_actor_it_signs() -> None:
    with slack_release_world(approvals__slack_approvers=[CAROL_U, ALICE_U]) as sw:
        world = sw.world
        with start_url(world, PIPELINE) as url:
            release_id = started(world, cli_start(world, url, "--triggered-by", "github:alice"))
        trigger = world.workflow.record(release_id)["trigger"]
        assert trigger["person"] == "alice@myapp.com"
        assert trigger["evidence"] == {"principal_arn": PIPELINE, "claim": "github:alice"}
        approval_id = world.workflow.pending_approval(release_id) or ""
        sw.click(approval_id, ALICE_U)
        assert "cannot approve" in sw.last_answer()
        assert approve_as(world, release_id, ALICE_APPROVER)["status"] == "refused"
        sw.world.workflow.decide(release_id, "reject", BOB_APPROVER, "done")


def test_callers_that_name_nobody_start_nothing() -> None:
    with release_world() as world:
        for caller, claim, refusal in (
            (PIPELINE, "github:zed", "'github:zed' is not mapped to a person"),
            (DEVELOPER, "zed@myapp.com", "not a person-session role"),
        ):
            with start_url(world, caller) as url:
                args = ("--triggered-by", claim) if claim else ()
                result = cli_start(world, url, *args)
            assert result.exit_code == 1, result.output
            assert "the release was not started" in result.output
            assert refusal in result.output
        executions = world.workflow.aws.sfn.list_executions(
            stateMachineArn=world.workflow.aws.state_machine_arn
        )
        assert executions["executions"] == []


def test_bad_input_is_refused_by_start_release_before_anything_starts() -> None:
    with release_world() as world:
        with start_url(world, ALICE_STARTER) as url:
            result = cli_start(world, url, "--image", "payment=evil.example/payment:1")
        assert result.exit_code == 1
        assert "input.images.payment" in result.output
        executions = world.workflow.aws.sfn.list_executions(
            stateMachineArn=world.workflow.aws.state_machine_arn
        )
        assert executions["executions"] == []


def evidence_for(world: World, name: str, release_input: dict[str, Any], principal: str) -> None:
    now = datetime.now(UTC)
    evidence = TriggerEvidence(
        principal_arn=principal, input_digest=input_digest(release_input), recorded_at=now
    )
    assert world.workflow.runtime.releases.put_once(
        trigger_key(name), evidence.model_dump(mode="json"), now + timedelta(days=1)
    )


def test_evidence_for_another_input_is_refused_before_the_lock() -> None:
    with release_world() as world:
        # Given evidence StartRelease wrote for one input, and an execution of that name with another
        evidence_for(world, "rel-x", {"version": "v2", "triggered_by": "alice@myapp.com"}, ALICE_STARTER)
        world.kube.clear_requests()
        arn = world.workflow.start({"version": "v9", "triggered_by": "alice@myapp.com"}, name="rel-x")
        assert world.workflow.wait_for_end(arn)["status"] == "FAILED"
        record = world.workflow.record("rel-x")
        assert record["outcome"] == "refused"
        assert "does not match its input" in record["reason"]
        assert world.kube.requests == []
        assert "prepared" not in record.get("steps", {})


def test_direct_starts_are_recorded_as_claims_or_refused_when_verification_is_required() -> None:
    with release_world() as world:
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci-pipeline"})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        trigger = world.workflow.record(release_id)["trigger"]
        assert trigger == {
            "door": "start_execution",
            "evidence": {"claim": "ci-pipeline"},
            "person": "ci-pipeline",
            "verified": False,
            "how": "the claimed name, taken as given",
            "name": None,
        }
        world.workflow.decide(release_id, "reject", BOB_APPROVER, "done")
    with release_world(approvals__identities__require_verified_trigger=True) as world:
        world.kube.clear_requests()
        release_id, execution = world.release("v2", approve=False)
        assert execution["status"] == "FAILED"
        record = world.workflow.record(release_id)
        assert record["outcome"] == "refused"
        assert "started without StartRelease" in record["reason"]
        assert world.kube.requests == []
        # and through StartRelease the same release goes ahead
        with start_url(world, ALICE_STARTER) as url:
            verified = started(world, cli_start(world, url, "--image", f"payment={REPO}/payment:v2"))
        world.workflow.decide(verified, "reject", BOB_APPROVER, "done")


def test_button_approval_of_a_verified_release_by_someone_else_goes_through() -> None:
    with slack_release_world() as sw:
        world = sw.world
        with start_url(world, ALICE_STARTER) as url:
            release_id = started(world, cli_start(world, url))
        arn = world.workflow.record(release_id)["execution_arn"]
        sw.click(sw.button_value(APPROVE_ACTION), CAROL_U)
        assert world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
