"""A release world whose approvals go through Slack: the real SlackNotifier talking to a fake Slack
Web API on 127.0.0.1, and interactions signed with Slack's real algorithm."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

import boto3

from bluegreen.adapters.slack import (
    APPROVE_ACTION,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_ACTION,
    REJECT_CALLBACK,
    MessageRef,
    SlackNotifier,
)
from bluegreen.adapters.slack_http import SignatureVerifier, SigningSecrets
from bluegreen.local.fake_slack import FakeSlack
from bluegreen.local.names import REGION
from bluegreen.local.workflow import FakeContext
from bluegreen.smoke import SecretsManagerSecrets
from tests.integration.release_world import World, release_world

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-bot-token"
APPROVER_U = "U024BE7LH"  # in config/myapp.yaml's slack_approvers
OTHER_APPROVER_U = "U0SECOND1"
STRANGER_U = "U0MALLORY"
ALICE_U = "U0ALICE01"
EMAILS = {
    APPROVER_U: "carol@myapp.com",
    OTHER_APPROVER_U: "dave@myapp.com",
    STRANGER_U: "mallory@myapp.com",
    ALICE_U: "Alice@MyApp.com",  # Slack keeps the case people typed; ids compare lower-cased
}
_clicks = iter(range(1, 1_000_000))


def sign(body: str, timestamp: str | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's request signature: v0=HMAC-SHA256(secret, "v0:<ts>:<body>")."""
    ts = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def url_event(body: str, headers: dict[str, str], base64_body: bool = True) -> dict[str, Any]:
    """A Lambda Function URL request event as AWS builds it (lower-case headers)."""
    return {
        "headers": {
            k.lower(): v for k, v in {**headers, "content-type": "application/x-www-form-urlencoded"}.items()
        },
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
        "requestContext": {"http": {"method": "POST"}},
    }


def verifier(secret: str = SIGNING_SECRET) -> SignatureVerifier:
    return SignatureVerifier(lambda: SigningSecrets(secret))


@dataclass
class SlackWorld:
    world: World
    slack: FakeSlack
    verifier: SignatureVerifier
    tokens: list[str] = field(default_factory=list)

    def start(self, triggered_by: str = "ci-pipeline", **extra: Any) -> tuple[str, str, str]:
        """Start a release and wait until Slack was asked; returns (arn, release id, approval id)."""
        arn = self.world.workflow.start({"version": "v2", "triggered_by": triggered_by, **extra})
        release_id = arn.rsplit(":", 1)[-1]
        approval_id = self.world.workflow.wait_for_approval_request(release_id)
        return arn, release_id, approval_id

    def button_value(self, action_id: str) -> str:
        blocks = [c for c in self.slack.of("chat.postMessage") if c.args.get("blocks")][-1].args["blocks"]
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        actions = next(b for b in blocks if b["type"] == "actions")
        return str(next(e["value"] for e in actions["elements"] if e["action_id"] == action_id))

    def send(self, payload: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        body = urlencode({"payload": json.dumps(payload)})
        return self.send_event(url_event(body, sign(body) if headers is None else headers))

    def send_event(self, event: dict[str, Any]) -> dict[str, Any]:
        import lambdas.slack_interactions as module

        with self.world.workflow.acting_as("SlackInteractions"):
            result: dict[str, Any] = module.handler(
                event,
                cast(Any, FakeContext("SlackInteractions")),
                rt=self.world.workflow.runtime_for("SlackInteractions"),
                verifier=self.verifier,
            )
        return result

    def click(
        self, approval_id: str, user: str, action: str = APPROVE_ACTION, name: str | None = None
    ) -> dict[str, Any]:
        return self.send(
            {
                "type": "block_actions",
                "user": {"id": user, "username": name or user.lower()},
                "trigger_id": "trigger-1",
                "response_url": self.slack.response_url(),
                "actions": [
                    {
                        "action_id": action,
                        "value": approval_id,
                        "type": "button",
                        "action_ts": f"1700000000.{next(_clicks):06d}",  # every click is its own request
                    }
                ],
            }
        )

    def reject(self, approval_id: str, user: str, reason: str) -> dict[str, Any]:
        self.click(approval_id, user, REJECT_ACTION)
        return self.send(
            {
                "type": "view_submission",
                "user": {"id": user, "username": user.lower()},
                "trigger_id": f"trigger-{next(_clicks)}",
                "view": {
                    "callback_id": REJECT_CALLBACK,
                    "private_metadata": approval_id,
                    "state": {
                        "values": {
                            REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": reason}}
                        }
                    },
                },
            }
        )

    def last_answer(self) -> str:
        answers = self.slack.responses()
        return answers[-1] if answers else ""


@contextmanager
def slack_release_world(**overrides: Any) -> Iterator[SlackWorld]:
    with FakeSlack() as slack, release_world(**overrides) as world:
        rt = world.workflow.runtime
        # The bot token is read from Secrets Manager on first use, as on AWS (by whichever function
        # notifies first: locally they share one notifier, where each Lambda container has its own).
        token_secret = world.config.approvals.slack_bot_token_secret or "slack-bot-token"
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=token_secret, SecretString=BOT_TOKEN
        )
        notifier = SlackNotifier(
            token=lambda: SecretsManagerSecrets().get_secret(token_secret),
            channel=world.config.approvals.slack_channel or "C0TEST",
            base_url=slack.api_url,
            message_ref=lambda rid: MessageRef.from_record(
                (rt.releases.get_record(rid) or {}).get("slack_message")
            ),
        )
        rt.slack = notifier
        rt.notifier = notifier
        for user, email in EMAILS.items():
            slack.state.add_user(user, email, name=user.lower())
        sw = SlackWorld(world, slack, verifier())

        def keep_token(function: str, event: dict[str, Any]) -> None:
            if function == "RequestApproval":
                sw.tokens.append(event["task_token"])

        world.workflow.on_invoke = keep_token
        yield sw
