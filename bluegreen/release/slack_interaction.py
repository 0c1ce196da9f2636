"""Slack's interactions, once `adapters.slack_http` has verified them: parse the payload into typed
models, decide through `approval.decide`, answer the person.

- Approve button  -> decide(approve) at once; the clicker gets an ephemeral answer (or the refusal).
- Reject button   -> a modal asking for the reason (views.open); its submission -> decide(reject).
- A stale button (release decided or ended) gets a polite ephemeral answer, never an error page.

Who clicked is the user id in Slack's signed payload; the person is their Slack email (users.info)
or a configured mapping (`identity.slack_identity`). Every click gets an answer, also when a Slack
API call fails (who the user is, their groups, the modal) or the decision fails unexpectedly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_sdk.errors import SlackApiError, SlackClientError

from bluegreen.adapters.function_url import HttpResponse
from bluegreen.adapters.slack import (
    APPROVE_ACTION,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_ACTION,
    REJECT_CALLBACK,
    SlackNotifier,
)
from bluegreen.adapters.slack_http import bad_request
from bluegreen.errors import ApprovalDecisionError
from bluegreen.release.approval import Decision, Verdict, decide, release_of_approval
from bluegreen.release.identity import People, slack_identity
from bluegreen.runtime import Runtime

logger = logging.getLogger(__name__)

REASON_MAX = 2000


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlackUser(_Payload):
    id: str = Field(pattern=r"^[UW][A-Z0-9]{2,31}$")
    username: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)

    @property
    def display(self) -> str | None:
        return self.username or self.name


class Action(_Payload):
    action_id: str = Field(max_length=255)
    value: str = Field(default="", max_length=2000)


class BlockActions(_Payload):
    type: Literal["block_actions"]
    user: SlackUser
    actions: list[Action] = Field(min_length=1, max_length=25)
    trigger_id: str = Field(default="", max_length=255)
    response_url: str = Field(default="", max_length=2000)


class InputValue(_Payload):
    value: str | None = None


class ViewState(_Payload):
    values: dict[str, dict[str, InputValue]] = Field(default_factory=dict)


class View(_Payload):
    callback_id: str = ""
    private_metadata: str = Field(default="", max_length=3000)
    state: ViewState = ViewState()


class ViewSubmission(_Payload):
    type: Literal["view_submission"]
    user: SlackUser
    view: View


def _slack_error(exc: Exception) -> str:
    error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
    return f"Slack refused a call ({error}); try again"


@dataclass
class SlackInteractions:
    """Typed payload -> decision -> answer. Needs `rt.slack` (it answers through Slack)."""

    def handle(self, payload: dict[str, Any], rt: Runtime) -> HttpResponse:
        if rt.slack is None:
            return bad_request("Slack is not configured for this application")
        kind = payload.get("type")
        try:
            if kind == "block_actions":
                return self._button(BlockActions.model_validate(payload), rt, rt.slack)
            if kind == "view_submission":
                return self._reject_reason(ViewSubmission.model_validate(payload), rt, rt.slack)
        except ValidationError as exc:
            where = ".".join(str(part) for part in exc.errors()[0]["loc"])
            return bad_request(f"unexpected {kind} payload ({where})")
        return HttpResponse(200)

    def _identity_decision(
        self,
        user: SlackUser,
        release_id: str,
        verdict: Verdict,
        approval_id: str,
        slack: SlackNotifier,
        rt: Runtime,
        reason: str | None = None,
    ) -> str:
        identity = slack_identity(
            user.id, user.display, People(rt.config.approvals.identities), slack.user_profile
        )
        decision = Decision(release_id, verdict, identity, reason=reason, approval_id=approval_id)
        return decide(decision, rt).message

    # -- buttons ----------------------------------------------------------------------------------

    def _button(self, payload: BlockActions, rt: Runtime, slack: SlackNotifier) -> HttpResponse:
        action = payload.actions[0]
        approval_id = action.value
        try:
            release_id = release_of_approval(approval_id, rt)
            if action.action_id == APPROVE_ACTION:
                answer = self._identity_decision(
                    payload.user, release_id, Verdict.APPROVE, approval_id, slack, rt
                )
            elif action.action_id == REJECT_ACTION:
                try:
                    slack.open_reject_modal(payload.trigger_id, approval_id, release_id)
                    return HttpResponse(200)
                except (SlackApiError, SlackClientError, OSError) as exc:
                    answer = (
                        f"Not done: Slack could not open the reject dialog ({_slack_error(exc)}). "
                        f"Or reject from the CLI: bluegreen reject {release_id} --reason ..."
                    )
            else:
                return HttpResponse(200)
        except ApprovalDecisionError as exc:
            answer = f"Not done: {exc}"
        except (SlackApiError, SlackClientError, OSError) as exc:
            answer = f"Not done: {_slack_error(exc)}"
        except Exception as exc:  # every click gets an answer; the logs keep the rest
            logger.exception("slack decision failed", extra={"slack_user": payload.user.id})
            answer = (
                f"Not done, or not fully recorded: {type(exc).__name__}. "
                "Check the release with `bluegreen status` before trying again"
            )
        logger.info("slack decision answered", extra={"slack_user": payload.user.id, "answer": answer})
        if payload.response_url:
            slack.respond(payload.response_url, answer)
        return HttpResponse(200)

    # -- the reject modal -------------------------------------------------------------------------

    def _reject_reason(self, payload: ViewSubmission, rt: Runtime, slack: SlackNotifier) -> HttpResponse:
        view = payload.view
        if view.callback_id != REJECT_CALLBACK:
            return HttpResponse(200)
        field = view.state.values.get(REASON_BLOCK, {}).get(REASON_INPUT)
        reason = (field.value if field else None) or ""
        reason = reason.strip()
        if not reason:
            return _modal_error("a reason is required to reject a release")
        if len(reason) > REASON_MAX:
            return _modal_error(f"at most {REASON_MAX} characters, please")
        try:
            release_id = release_of_approval(view.private_metadata, rt)
            message = self._identity_decision(
                payload.user, release_id, Verdict.REJECT, view.private_metadata, slack, rt, reason=reason
            )
        except ApprovalDecisionError as exc:
            return _modal_error(str(exc))
        except (SlackApiError, SlackClientError, OSError) as exc:
            return _modal_error(_slack_error(exc))
        except Exception as exc:  # the person still gets an answer, in the modal
            logger.exception("slack rejection failed", extra={"slack_user": payload.user.id})
            return _modal_error(f"not done, or not fully recorded ({type(exc).__name__}): check the release")
        logger.info(message, extra={"slack_user": payload.user.id})
        return HttpResponse(200, {"response_action": "clear"})


def _modal_error(text: str) -> HttpResponse:
    """Shown under the reason field of the still-open modal."""
    return HttpResponse(200, {"response_action": "errors", "errors": {REASON_BLOCK: text[:300]}})
