"""Approving in Slack: real releases through the moto harness, the real SlackNotifier talking to a
fake Slack Web API over HTTP, interactions signed with Slack's algorithm."""

from __future__ import annotations

import json
import logging

import pytest

from bluegreen.adapters.slack import APPROVE_ACTION, REJECT_ACTION
from tests.integration.slack_world import (
    APPROVER_U,
    BOT_TOKEN,
    OTHER_APPROVER_U,
    STRANGER_U,
    SlackWorld,
    slack_release_world,
)


def assert_no_token_anywhere(sw: SlackWorld, caplog: pytest.LogCaptureFixture) -> None:
    assert sw.tokens, "the workflow never asked for approval"
    for token in sw.tokens:
        for call in sw.slack.calls:
            assert token not in call.raw
            assert token not in json.dumps(call.headers)
        for record in caplog.records:
            assert token not in record.getMessage()
            assert token not in str(record.__dict__)
    for record in caplog.records:
        assert BOT_TOKEN not in record.getMessage()


def test_approve_button_releases_and_the_message_says_who_and_when(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with slack_release_world() as sw:
        # Given a release waiting for approval
        arn, release_id, approval_id = sw.start(change_ref="CHG-1234")
        # Then Slack got a Block Kit request whose buttons carry only the approval id
        (request,) = [c for c in sw.slack.of("chat.postMessage") if c.args.get("blocks")]
        assert request.args["channel"] == "C0123RELEASE"
        assert request.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
        text = json.dumps(request.args["blocks"])
        for expected in (
            "myapp/prod",
            "v2",
            "ci-pipeline",
            "CHG-1234",
            "blue",
            "green",
            "payment",
            "myapp-prod-5xx",
        ):
            assert expected in text, expected
        assert "states/home" in text
        assert release_id in text
        assert sw.button_value(APPROVE_ACTION) == approval_id == sw.button_value(REJECT_ACTION)
        # When an allowed approver clicks Approve
        response = sw.click(approval_id, APPROVER_U, name="alice")
        assert response["statusCode"] == 200
        execution = sw.world.workflow.wait_for_end(arn)
        # Then the release goes live, the record says who and how, and the message says so too
        assert execution["status"] == "SUCCEEDED"
        record = sw.world.workflow.record(release_id)
        (vote,) = record["approval"]["votes"]
        assert vote["approver"] == "carol@myapp.com"  # the person, from Slack's users.info email
        assert vote["door"] == vote["via"] == "slack"
        assert vote["evidence"] == {"slack_user": APPROVER_U, "slack_email": "carol@myapp.com"}
        assert vote["identity"] == f"slack:{APPROVER_U}"
        assert vote["name"] == "alice"
        assert [c.args["user"] for c in sw.slack.of("users.info")] == [APPROVER_U]
        assert "approved by carol@myapp.com" in sw.last_answer()
        update = json.dumps(sw.slack.of("chat.update")[0].args)
        assert "Approved" in update
        assert f"<@{APPROVER_U}>" in update
        assert "UTC" in update
        assert "bluegreen_approve" not in update  # the buttons are gone
        # and the news of success went to the request's thread
        assert any("is live on green" in str(c.args.get("text")) for c in sw.slack.of("chat.postMessage"))
        assert_no_token_anywhere(sw, caplog)


def test_reject_asks_for_a_reason_and_records_it(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with slack_release_world() as sw:
        arn, release_id, approval_id = sw.start()
        response = sw.reject(approval_id, APPROVER_U, "card BIN table not migrated")
        assert json.loads(response["body"]) == {"response_action": "clear"}
        (modal,) = sw.slack.of("views.open")
        view = modal.args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert view["private_metadata"] == approval_id
        assert sw.world.workflow.wait_for_end(arn)["status"] == "FAILED"
        record = sw.world.workflow.record(release_id)
        assert record["outcome"] == "rejected"
        assert record["approval"]["reason"] == "card BIN table not migrated"
        assert record["approval"]["by"] == f"slack:{APPROVER_U}"
        assert record["approval"]["person"] == "carol@myapp.com"
        assert record["approval"]["rejected_by"]["person"] == "carol@myapp.com"
        assert "card BIN table not migrated" in record["reason"]
        assert sw.world.active_color() == "blue"
        assert "Rejected" in json.dumps(sw.slack.of("chat.update")[0].args)
        assert_no_token_anywhere(sw, caplog)


def test_unknown_approver_is_refused_and_a_group_member_is_not() -> None:
    with slack_release_world(approvals__slack_approver_groups=["S0PAYMENTSRE"]) as sw:
        sw.slack.state.usergroups["S0PAYMENTSRE"] = [OTHER_APPROVER_U]
        arn, release_id, approval_id = sw.start()
        sw.click(approval_id, STRANGER_U)
        assert "is not an approver" in sw.last_answer()
        assert sw.world.workflow.pending_approval(release_id) == approval_id
        sw.click(approval_id, OTHER_APPROVER_U)
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
        assert [c.args["usergroup"] for c in sw.slack.of("usergroups.users.list")] == ["S0PAYMENTSRE"] * 2


def test_the_person_who_triggered_the_release_cannot_approve_it() -> None:
    with slack_release_world() as sw:
        arn, release_id, approval_id = sw.start(triggered_by="Carol@myapp.com")
        sw.click(approval_id, APPROVER_U)
        assert "cannot approve" in sw.last_answer()
        assert sw.world.workflow.pending_approval(release_id) == approval_id
        sw.reject(approval_id, APPROVER_U, "withdrawn")  # rejecting one's own release is allowed
        assert sw.world.workflow.wait_for_end(arn)["status"] == "FAILED"


def test_two_approvals_need_two_people_and_a_double_click_counts_once() -> None:
    with slack_release_world(
        approvals__required_approvals=2, approvals__slack_approvers=[APPROVER_U, OTHER_APPROVER_U]
    ) as sw:
        arn, release_id, approval_id = sw.start()
        sw.click(approval_id, APPROVER_U)
        assert "1 of 2" in sw.last_answer()
        sw.click(approval_id, APPROVER_U)  # double click
        assert "already recorded (1 of 2)" in sw.last_answer()
        assert sw.world.workflow.describe(arn)["status"] == "RUNNING"
        assert "waiting for another approver" in json.dumps(sw.slack.of("chat.update")[-1].args)
        sw.click(approval_id, OTHER_APPROVER_U)
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
        votes = sw.world.workflow.record(release_id)["approval"]["votes"]
        assert [v["approver"] for v in votes] == ["carol@myapp.com", "dave@myapp.com"]
        assert [v["identity"] for v in votes] == [f"slack:{APPROVER_U}", f"slack:{OTHER_APPROVER_U}"]


def test_double_click_after_the_decision_is_answered_politely() -> None:
    with slack_release_world() as sw:
        arn, release_id, approval_id = sw.start()
        sw.click(approval_id, APPROVER_U)
        second = sw.click(approval_id, APPROVER_U)
        assert second["statusCode"] == 200
        assert "no longer waiting for approval" in sw.last_answer()
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
        assert len(sw.world.workflow.record(release_id)["approval"]["votes"]) == 1


def test_a_timed_out_approval_says_so_in_slack_and_a_late_click_is_stale() -> None:
    with slack_release_world(approvals__timeout_seconds=1) as sw:
        arn = sw.world.workflow.start({"version": "v2", "triggered_by": "ci-pipeline"})
        release_id = arn.rsplit(":", 1)[-1]
        assert sw.world.workflow.wait_for_end(arn)["status"] == "FAILED"
        record = sw.world.workflow.record(release_id)
        assert record["outcome"] == "timed_out"
        assert sw.world.active_color() == "blue"
        assert sw.world.lock_holder() is None
        approval_id = record["approval"]["approval_id"]
        timed_out = json.dumps(sw.slack.of("chat.update")[0].args)
        assert "timed out" in timed_out
        assert "bluegreen_approve" not in timed_out
        sw.click(approval_id, APPROVER_U)
        assert "no longer waiting for approval" in sw.last_answer()


def test_the_switch_and_a_rollback_during_the_bake_are_told_in_the_requests_thread() -> None:
    with slack_release_world() as sw:
        # Given a release whose payment alarm fires while it bakes on green
        keep_token = sw.world.workflow.on_invoke
        assert keep_token is not None

        def fire_during_bake(function: str, event: dict[str, object]) -> None:
            keep_token(function, event)
            if function == "CheckBake":
                sw.world.workflow.aws.cloudwatch.set_alarm_state(
                    AlarmName="myapp-prod-payment-failures", StateValue="ALARM", StateReason="declines spiked"
                )

        sw.world.workflow.on_invoke = fire_during_bake
        arn, release_id, approval_id = sw.start()

        # When it is approved in Slack, switches, and rolls back
        sw.click(approval_id, APPROVER_U)
        assert sw.world.workflow.wait_for_end(arn)["status"] == "FAILED"
        assert sw.world.active_color() == "blue"

        # Then the switch and the rollback each reply in the approval request's thread
        thread = sw.world.workflow.record(release_id)["slack_message"]["ts"]
        posts = sw.slack.of("chat.postMessage")
        switched = [c for c in posts if "myapp.com switched from blue to green" in str(c.args.get("text"))]
        rolled_back = [c for c in posts if "myapp.com rolling back to blue" in str(c.args.get("text"))]
        assert [c.args.get("thread_ts") for c in switched] == [thread]
        assert [c.args.get("thread_ts") for c in rolled_back] == [thread]
