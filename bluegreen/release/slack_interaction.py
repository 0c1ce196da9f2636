"""Slack's interactivity requests: verify, parse, decide through `approval.decide`, answer.

Slack signs every request (`v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` with the app's signing
secret); slack-sdk's SignatureVerifier checks it and refuses a timestamp more than five minutes
from now, which is the replay window. Nothing is parsed before the signature holds.

- Approve button  -> decide(approve) at once; the clicker gets an ephemeral answer (or the refusal).
- Reject button   -> a modal asking for the reason (views.open); its submission -> decide(reject).
- A stale button (release decided or ended) gets a polite ephemeral answer, never an error page.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import Clock, SignatureVerifier

from bluegreen.adapters.slack import (
    APPROVE_ACTION,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_ACTION,
    REJECT_CALLBACK,
    SlackNotifier,
)
from bluegreen.errors import ApprovalDecisionError
from bluegreen.release.approval import Decision, Verdict, Via, decide, release_of_approval
from bluegreen.runtime import Runtime

logger = logging.getLogger(__name__)

REPLAY_WINDOW_SECONDS = 300
"""slack-sdk's SignatureVerifier refuses timestamps further than this from its clock."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: dict[str, Any] | None = None

    def as_lambda(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "headers": {"content-type": "application/json"},
            "body": json.dumps(self.body) if self.body is not None else "",
        }


@dataclass
class SlackInteractions:
    """One per container: the verifier needs the signing secret, read once from Secrets Manager."""

    signing_secret: Callable[[], str]
    clock: Clock = field(default_factory=Clock)
    _verifier: SignatureVerifier | None = field(default=None, init=False, repr=False)

    def __repr__(self) -> str:  # never the secret
        return "SlackInteractions()"

    def verify(self, body: str, headers: Mapping[str, str]) -> bool:
        if self._verifier is None:
            self._verifier = SignatureVerifier(self.signing_secret(), clock=self.clock)
        lowered = {k.lower(): v for k, v in headers.items()}
        timestamp = lowered.get("x-slack-request-timestamp")
        if not timestamp or not timestamp.strip().isdigit():
            return False
        return self._verifier.is_valid(body, timestamp, lowered.get("x-slack-signature"))

    def handle(self, body: str, headers: Mapping[str, str], rt: Runtime) -> HttpResponse:
        if not self.verify(body, headers):
            logger.warning("slack request refused: missing, invalid or expired signature")
            return HttpResponse(401, {"error": "invalid signature"})
        try:
            payload = json.loads(parse_qs(body).get("payload", [""])[0])
        except (json.JSONDecodeError, IndexError):
            return HttpResponse(400, {"error": "no interaction payload"})
        if not isinstance(payload, dict) or rt.slack is None:
            return HttpResponse(400, {"error": "unexpected payload"})
        kind = payload.get("type")
        if kind == "block_actions":
            return self._button(payload, rt, rt.slack)
        if kind == "view_submission":
            return self._reject_reason(payload, rt)
        return HttpResponse(200)

    # -- buttons ----------------------------------------------------------------------------------

    def _button(self, payload: dict[str, Any], rt: Runtime, slack: SlackNotifier) -> HttpResponse:
        actions = payload.get("actions") or []
        action = actions[0] if actions and isinstance(actions[0], dict) else {}
        approval_id = str(action.get("value") or "")
        user = payload.get("user") or {}
        user_id, name = str(user.get("id") or ""), user.get("username") or user.get("name")
        response_url = str(payload.get("response_url") or "")
        try:
            release_id = release_of_approval(approval_id, rt)
            if action.get("action_id") == APPROVE_ACTION:
                outcome = decide(
                    Decision(
                        release_id,
                        Verdict.APPROVE,
                        f"slack:{user_id}",
                        Via.SLACK,
                        approval_id=approval_id,
                        name=name,
                    ),
                    rt,
                )
                answer = outcome.message
            elif action.get("action_id") == REJECT_ACTION:
                slack.open_reject_modal(str(payload.get("trigger_id") or ""), approval_id, release_id)
                return HttpResponse(200)
            else:
                return HttpResponse(200)
        except ApprovalDecisionError as exc:
            answer = f"Not done: {exc}"
        except (SlackApiError, SlackClientError) as exc:
            answer = f"Not done: Slack refused the call ({type(exc).__name__}); try again"
        logger.info("slack decision answered", extra={"slack_user": user_id, "answer": answer})
        if response_url:
            slack.respond(response_url, answer)
        return HttpResponse(200)

    # -- the reject modal -------------------------------------------------------------------------

    def _reject_reason(self, payload: dict[str, Any], rt: Runtime) -> HttpResponse:
        view = payload.get("view") or {}
        if view.get("callback_id") != REJECT_CALLBACK:
            return HttpResponse(200)
        approval_id = str(view.get("private_metadata") or "")
        values = (view.get("state") or {}).get("values") or {}
        reason = str(((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value") or "").strip()
        user = payload.get("user") or {}
        user_id, name = str(user.get("id") or ""), user.get("username") or user.get("name")
        if not reason:
            return _modal_error("a reason is required to reject a release")
        try:
            release_id = release_of_approval(approval_id, rt)
            outcome = decide(
                Decision(
                    release_id,
                    Verdict.REJECT,
                    f"slack:{user_id}",
                    Via.SLACK,
                    reason=reason,
                    approval_id=approval_id,
                    name=name,
                ),
                rt,
            )
        except ApprovalDecisionError as exc:
            return _modal_error(str(exc))
        logger.info(outcome.message, extra={"slack_user": user_id, "status": outcome.status})
        return HttpResponse(200, {"response_action": "clear"})


def _modal_error(text: str) -> HttpResponse:
    """Shown under the reason field of the still-open modal."""
    return HttpResponse(200, {"response_action": "errors", "errors": {REASON_BLOCK: text[:300]}})


def request_body(event: Mapping[str, Any]) -> str:
    """The raw body of a Lambda Function URL request (base64 when Lambda chose to encode it)."""
    body = str(event.get("body") or "")
    if event.get("isBase64Encoded"):
        return base64.b64decode(body).decode("utf-8")
    return body
