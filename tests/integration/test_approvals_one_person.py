"""One person, one identity: the self-approval and two-person rules hold whatever door each side
used — Slack, the CLI, a pipeline's start — because they compare the person each door's evidence
names, not the names the doors use. Real releases through the moto harness; Slack's Web API faked
over HTTP (users.info answers each user's email); the CLI's Function URL played as AWS plays it."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from bluegreen.cli import commands  # noqa: F401 - registers the commands
from bluegreen.cli.main import cli
from tests.integration.release_world import MYAPP, World
from tests.integration.slack_world import ALICE_U, APPROVER_U, SlackWorld, slack_release_world
from tests.integration.test_approvals_cli import function_url

ACCOUNT = "123456789012"
ALICE_APPROVER = f"arn:aws:sts::{ACCOUNT}:assumed-role/release-approver/alice@myapp.com"
ALICE_STARTER = f"arn:aws:sts::{ACCOUNT}:assumed-role/release-starter/alice@myapp.com"
BOB_APPROVER = f"arn:aws:sts::{ACCOUNT}:assumed-role/release-approver/bob@myapp.com"
SLACK_APPROVERS = {"approvals__slack_approvers": [APPROVER_U, ALICE_U]}


def cli_decide(world: World, approver: str, release_id: str, decision: str = "approve") -> dict[str, Any]:
    with function_url(world.workflow, approver) as (url, _):
        env = {"BLUEGREEN_DECIDE_URL": url, "AWS_REGION": "us-east-1"}
        args = ["--config", str(MYAPP), "--json", decision, release_id]
        if decision == "reject":
            args += ["--reason", "not today"]
        result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    return dict(json.loads(result.output))


def waiting(sw: SlackWorld, triggered_by: str) -> tuple[str, str, str]:
    return sw.start(triggered_by=triggered_by)


def test_the_cli_default_trigger_cannot_approve_in_slack() -> None:
    # Given a release started by the CLI's default triggered_by, alice's role session ARN
    with slack_release_world(**SLACK_APPROVERS) as sw:
        arn, _release_id, approval_id = waiting(sw, ALICE_APPROVER)
        # When alice clicks Approve in Slack
        sw.click(approval_id, ALICE_U)
        # Then Slack's email for her (users.info) is the same person: refused
        assert "alice@myapp.com triggered this release and cannot approve it" in sw.last_answer()
        assert [c.args["user"] for c in sw.slack.of("users.info")] == [ALICE_U]
        assert sw.world.workflow.describe(arn)["status"] == "RUNNING"
        sw.click(approval_id, APPROVER_U)  # carol may
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"


def test_the_pipeline_example_trigger_cannot_approve_in_slack() -> None:
    with slack_release_world(**SLACK_APPROVERS) as sw:
        arn, release_id, approval_id = waiting(sw, "github:alice")  # mapped to alice@myapp.com
        sw.click(approval_id, ALICE_U)
        assert "alice@myapp.com triggered this release" in sw.last_answer()
        assert cli_decide(sw.world, ALICE_APPROVER, release_id)["status"] == "refused"
        assert sw.world.workflow.describe(arn)["status"] == "RUNNING"
        sw.world.workflow.decide(release_id, "reject", BOB_APPROVER, "over")


def test_another_role_with_the_same_session_name_is_the_same_person() -> None:
    with slack_release_world() as sw:
        arn, release_id, _ = waiting(sw, ALICE_STARTER)
        refusal = cli_decide(sw.world, ALICE_APPROVER, release_id)
        assert refusal["status"] == "refused"
        assert "alice@myapp.com triggered this release" in refusal["message"]
        assert cli_decide(sw.world, BOB_APPROVER, release_id)["status"] == "approved"
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"


def test_an_unmapped_pipeline_actor_leaves_nobody_able_to_approve() -> None:
    with slack_release_world() as sw:
        arn, _release_id, approval_id = waiting(sw, "github:zed")  # nobody mapped github:zed
        sw.click(approval_id, APPROVER_U)
        assert "who triggered it is unknown" in sw.last_answer()
        assert "'github:zed' is not mapped to a person" in sw.last_answer()
        assert sw.world.workflow.describe(arn)["status"] == "RUNNING"
        # rejecting stays possible
        sw.reject(approval_id, APPROVER_U, "start it through StartRelease")
        assert sw.world.workflow.wait_for_end(arn)["status"] == "FAILED"


def test_two_approvals_need_two_people_not_two_doors() -> None:
    with slack_release_world(approvals__required_approvals=2, **SLACK_APPROVERS) as sw:
        arn, release_id, approval_id = waiting(sw, "ci-pipeline")
        sw.click(approval_id, ALICE_U)
        assert "approval 1 of 2 recorded (alice@myapp.com)" in sw.last_answer()
        # alice again, from the CLI: the same person, so still one approval
        again = cli_decide(sw.world, ALICE_APPROVER, release_id)
        assert again["status"] == "recorded"
        assert "already recorded (1 of 2)" in again["message"]
        assert sw.world.workflow.describe(arn)["status"] == "RUNNING"
        assert cli_decide(sw.world, BOB_APPROVER, release_id)["status"] == "approved"
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
        votes = sw.world.workflow.record(release_id)["approval"]["votes"]
        assert [(v["approver"], v["door"]) for v in votes] == [
            ("alice@myapp.com", "slack"),
            ("bob@myapp.com", "cli"),
        ]
        assert votes[0]["evidence"] == {"slack_user": ALICE_U, "slack_email": "Alice@MyApp.com"}
        assert votes[1]["evidence"] == {"principal_arn": BOB_APPROVER}
        # and the approval keeps when it was asked for, through every vote, beside when it was decided
        approval = sw.world.workflow.record(release_id)["approval"]
        assert approval["status"] == "approved"
        assert approval["requested_at"] < approval["decided_at"]


def test_a_rejection_after_one_of_two_approvals_keeps_the_approval_in_the_record() -> None:
    with slack_release_world(approvals__required_approvals=2, **SLACK_APPROVERS) as sw:
        arn, release_id, approval_id = waiting(sw, "ci-pipeline")
        sw.click(approval_id, ALICE_U)
        assert cli_decide(sw.world, BOB_APPROVER, release_id, "reject")["status"] == "rejected"
        assert sw.world.workflow.wait_for_end(arn)["status"] == "FAILED"
        approval = sw.world.workflow.record(release_id)["approval"]
        assert approval["status"] == "rejected"
        assert approval["person"] == "bob@myapp.com"
        assert [v["approver"] for v in approval["votes"]] == ["alice@myapp.com"]


def test_a_slack_user_slack_cannot_vouch_for_cannot_approve() -> None:
    with slack_release_world(approvals__slack_approvers=["U0NOEMAIL", "U0UNCONF1", "U0MAPPED1"]) as sw:
        sw.slack.state.add_user("U0NOEMAIL", None)  # the app lacks users:read.email, say
        sw.slack.state.add_user("U0UNCONF1", "eve@myapp.com", is_email_confirmed=False)
        sw.slack.state.add_user("U0MAPPED1", None)
        arn, release_id, approval_id = waiting(sw, "ci-pipeline")
        sw.click(approval_id, "U0NOEMAIL")
        assert "names no person" in sw.last_answer()
        assert "users:read.email" in sw.last_answer()
        sw.click(approval_id, "U0UNCONF1")
        assert "email is not confirmed" in sw.last_answer()
        assert sw.world.workflow.describe(arn)["status"] == "RUNNING"
    # a configured mapping is enough, and users.info is not even asked
    with slack_release_world(
        approvals__slack_approvers=["U0MAPPED1"],
        approvals__identities__people={"frank@myapp.com": ["slack:U0MAPPED1"]},
    ) as sw:
        arn, release_id, approval_id = waiting(sw, "ci-pipeline")
        sw.click(approval_id, "U0MAPPED1")
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
        assert sw.slack.of("users.info") == []
        (vote,) = sw.world.workflow.record(release_id)["approval"]["votes"]
        assert vote["approver"] == "frank@myapp.com"
        assert vote["how"] == "configured mapping"


def test_people_on_the_allow_list_by_canonical_id_may_approve_through_any_door() -> None:
    with slack_release_world(approvals__approvers=["dave@myapp.com"], approvals__slack_approvers=[]) as sw:
        arn, _release_id, approval_id = waiting(sw, "ci-pipeline")
        sw.click(approval_id, APPROVER_U)  # carol: not on the list
        assert "is not an approver" in sw.last_answer()
        sw.click(approval_id, "U0SECOND1")  # dave, by his Slack email
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
