"""The Slack door under hostile or unlucky conditions, end to end through the real handler: forged,
replayed, rotated-secret, malformed and wrongly typed requests; user text that is Slack markup or
too long for Block Kit; and Slack's own API failing in the middle of a click."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from bluegreen.adapters.slack import APPROVE_ACTION, REJECT_ACTION
from bluegreen.adapters.slack_http import SignatureVerifier, secrets_manager_signing_secrets
from tests.integration.release_world import REPO
from tests.integration.slack_world import (
    APPROVER_U,
    OTHER_APPROVER_U,
    sign,
    slack_release_world,
    url_event,
)


def body_of(payload: Any) -> str:
    return urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"type": "block_actions", "user": "U024BE7LH", "actions": []}, id="user is a string"),
        pytest.param(
            {"type": "block_actions", "user": {"id": "U1X"}, "actions": {"a": 1}}, id="actions a map"
        ),
        pytest.param({"type": "block_actions", "user": {"id": "U1X"}, "actions": []}, id="no action"),
        pytest.param({"type": "block_actions", "user": {"id": 42}, "actions": [{}]}, id="user id a number"),
        pytest.param(
            {"type": "block_actions", "user": {"id": "U1X"}, "actions": [{"action_id": 1, "value": "x"}]},
            id="action id a number",
        ),
        pytest.param(
            {"type": "view_submission", "user": {"id": "U1X"}, "view": {"state": {"values": []}}},
            id="view values a list",
        ),
        pytest.param({"type": "view_submission", "user": {"id": "U1X"}, "view": "x"}, id="view a string"),
    ],
)
def test_a_signed_payload_of_the_wrong_shape_gets_400(payload: dict[str, Any]) -> None:
    with slack_release_world() as sw:
        body = body_of(payload)
        response = sw.send_event(url_event(body, sign(body)))
        assert response["statusCode"] == 400
        assert "unexpected" in json.loads(response["body"])["error"]


def test_forged_replayed_and_malformed_requests_never_decide() -> None:
    with slack_release_world(approvals__required_approvals=2) as sw:
        _arn, release_id, approval_id = sw.start()
        click = {
            "type": "block_actions",
            "user": {"id": APPROVER_U, "username": "carol"},
            "response_url": sw.slack.response_url(),
            "actions": [{"action_id": APPROVE_ACTION, "value": approval_id, "action_ts": "1.1"}],
        }
        body = body_of(click)
        signed = url_event(body, sign(body))
        forged = url_event(body, sign(body, secret="guessed-secret"))
        assert sw.send_event(forged)["statusCode"] == 401
        assert sw.send_event(signed)["statusCode"] == 200
        # the same signed request again, inside the five minutes: refused, not counted
        replay = sw.send_event(signed)
        assert replay["statusCode"] == 401
        assert "replayed" in replay["body"]
        for malformed in (
            {**signed, "headers": {**signed["headers"], "x-slack-signature": "v0=" + "ü" * 64}},
            {**signed, "headers": {**signed["headers"], "x-slack-request-timestamp": "²³⁴"}},
            {**signed, "body": "%%%", "isBase64Encoded": True},
            {**signed, "headers": None},
            {**signed, "body": None, "isBase64Encoded": True},
        ):
            assert sw.send_event(malformed)["statusCode"] in (400, 401)
        votes = sw.world.workflow.record(release_id)["approval"]["votes"]
        assert [v["approver"] for v in votes] == ["carol@myapp.com"]
        sw.world.workflow.decide(release_id, "reject", "arn:aws:iam::123456789012:role/release-approver", "x")


def test_a_rotated_signing_secret_is_picked_up_and_the_old_one_expires() -> None:
    with slack_release_world() as sw:
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        secrets.create_secret(Name="myapp/prod/slack-signing-secret", SecretString="first-secret")
        now = [time.time()]
        sw.verifier = SignatureVerifier(
            secrets_manager_signing_secrets(secrets, "myapp/prod/slack-signing-secret"),
            overlap_seconds=600,
            clock=lambda: now[0],
        )
        payload = {"type": "shortcut", "user": {"id": APPROVER_U}}

        def status(secret: str) -> int:
            body = body_of({**payload, "n": time.monotonic_ns()})
            event = url_event(body, sign(body, timestamp=str(int(now[0])), secret=secret))
            return int(sw.send_event(event)["statusCode"])

        assert status("first-secret") == 200
        # When the secret is rotated in Secrets Manager (AWSPREVIOUS keeps the old value)
        secrets.put_secret_value(SecretId="myapp/prod/slack-signing-secret", SecretString="second-secret")
        now[0] += 60
        # Then the warm container accepts the new one at once, and the old one during the overlap
        assert status("second-secret") == 200
        assert status("first-secret") == 200
        assert status("forged-secret") == 401
        # and not after it: a rotated-out secret stops working
        now[0] += 900
        assert status("first-secret") == 401
        assert status("second-secret") == 200


def test_user_text_is_escaped_and_cut_to_slacks_limits() -> None:
    services = [
        {
            "name": f"svc-{n:02d}-with-a-rather-long-name",
            "repository": f"{REPO}/svc-{n:02d}-with-a-rather-long-name",
        }
        for n in range(40)
    ]
    with slack_release_world(services=services) as sw:
        arn, release_id, approval_id = sw.start(
            triggered_by="<!channel> <https://evil.example|approve here>", change_ref="CHG-1 & <@U0BOSS>"
        )
        # The request was posted (Slack refuses a section over 3,000 characters), escaped, with a note
        (request,) = [c for c in sw.slack.of("chat.postMessage") if c.args.get("blocks")]
        blocks = request.args["blocks"]
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        text = json.dumps(blocks)
        assert "<!channel>" not in text
        assert "&lt;!channel&gt; &lt;https://evil.example|approve here&gt;" in text
        assert "CHG-1 &amp; &lt;@U0BOSS&gt;" in text
        assert "characters not shown" in text
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
        # When the release is rejected with a reason that is markup too
        sw.reject(approval_id, APPROVER_U, "<!here> " + "r" * 1990)
        assert sw.world.workflow.wait_for_end(arn)["status"] == "FAILED"
        # Then the message update went through: the buttons are gone, the reason escaped
        update = json.dumps(sw.slack.of("chat.update")[-1].args)
        assert "Rejected" in update
        assert "&lt;!here&gt;" in update
        assert "bluegreen_approve" not in update
        # and the record keeps the reason as given
        assert sw.world.workflow.record(release_id)["approval"]["reason"].startswith("<!here> ")


def test_every_click_gets_an_answer_when_slack_fails() -> None:
    with slack_release_world(approvals__slack_approver_groups=["S0PAYMENTSRE"]) as sw:
        sw.slack.state.usergroups["S0PAYMENTSRE"] = [OTHER_APPROVER_U]
        arn, release_id, approval_id = sw.start()
        # users.info fails: who clicked cannot be told, the clicker is told so
        sw.slack.state.fail = {"users.info"}
        assert sw.click(approval_id, APPROVER_U)["statusCode"] == 200
        assert "Slack refused a call (fatal_error)" in sw.last_answer()
        # views.open fails: the clicker hears how else to reject
        sw.slack.state.fail = {"views.open"}
        sw.click(approval_id, APPROVER_U, REJECT_ACTION)
        assert "could not open the reject dialog" in sw.last_answer()
        assert f"bluegreen reject {release_id}" in sw.last_answer()
        # the group lookup fails during a rejection submitted from the modal: the modal says so
        sw.slack.state.fail = {"usergroups.users.list"}
        response = sw.reject(approval_id, OTHER_APPROVER_U, "not today")
        assert response["statusCode"] == 200
        assert "Slack refused a call" in json.loads(response["body"])["errors"]["reason"]
        assert sw.world.workflow.describe(arn)["status"] == "RUNNING"
        # chat.update fails after the decision: the decision stands and the clicker is told
        sw.slack.state.fail = {"chat.update"}
        sw.click(approval_id, APPROVER_U)
        assert "approved by carol@myapp.com" in sw.last_answer()
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
