"""Slack: the approval request (Block Kit, Approve / Reject buttons), its updates, and release news.

The buttons carry only the opaque approval id; the task token never reaches this module. The bot
token comes from Secrets Manager through `token` (called on first use) and is never logged. A
Slack outage (or an unreadable token secret) never fails a release: every call here logs the
failure (no payload) and moves on, except the calls an approval decision depends on (who a user
is, user group members, opening the reject modal), which raise.

Every string that did not come from this module is mrkdwn-escaped (`&`, `<`, `>`, as Slack asks),
so a `triggered_by` of `<!channel>` is shown, not sent; every text is cut to Slack's limits
(3,000 characters for a section) with a note saying so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from bluegreen.adapters.notify import Notification

logger = logging.getLogger(__name__)

APPROVE_ACTION = "bluegreen_approve"
REJECT_ACTION = "bluegreen_reject"
REJECT_CALLBACK = "bluegreen_reject_reason"
REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"
TERMINAL_EVENTS = {
    "succeeded",
    "failed",
    "rejected",
    "timed_out",
    "refused",
    "rolled_back",
    "rollback_failed",
    "aborted",
}
SECTION_TEXT_LIMIT = 3000
"""Slack refuses a section (or context element) whose text is longer (`invalid_blocks`)."""
HEADER_TEXT_LIMIT = 150
MESSAGE_TEXT_LIMIT = 3000
"""The notification fallback `text`: Slack cuts at 40,000; nobody reads past a screen."""


def mrkdwn_escape(text: str) -> str:
    """Slack's escaping for text it would otherwise parse as markup (mentions, links, `<!channel>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int = SECTION_TEXT_LIMIT) -> str:
    """`text` cut to `limit` characters, with a note, never inside an escape or a `<...>` link."""
    if len(text) <= limit:
        return text
    note = f"… ({len(text) - limit:,}+ characters not shown: Slack's limit is {limit:,})"
    head = text[: max(limit - len(note), 0)]
    head = re.sub(r"&[a-z]*$|<[^>]*$", "", head)
    return head + note


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text)}}


class SlackProfile(BaseModel):
    """What Slack's users.info says about a user (needs the users:read and users:read.email scopes)."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    email: str | None = None
    email_confirmed: bool | None = None
    deleted: bool = False
    is_bot: bool = False


@dataclass(frozen=True)
class MessageRef:
    """Where an approval request was posted, so that it can be updated after the decision."""

    channel: str
    ts: str

    def as_record(self) -> dict[str, str]:
        return {"channel": self.channel, "ts": self.ts}

    @classmethod
    def from_record(cls, value: Any) -> MessageRef | None:
        if isinstance(value, dict) and value.get("channel") and value.get("ts"):
            return cls(str(value["channel"]), str(value["ts"]))
        return None


@dataclass(frozen=True)
class ApprovalRequest:
    """Everything an approver needs on one screen (no secrets, no task token)."""

    approval_id: str
    release_id: str
    app: str
    environment: str
    version: str
    triggered_by: str
    change_ref: str | None
    images: dict[str, dict[str, str]]
    smoke_summary: str | None
    alarms: dict[str, str]
    color_before: str
    color_after: str
    execution_url: str
    required_approvals: int
    timeout_at: str


def execution_console_url(execution_arn: str) -> str:
    region = execution_arn.split(":")[3] if execution_arn.count(":") >= 4 else "us-east-1"
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


def _image_lines(images: dict[str, dict[str, str]]) -> str:
    lines = []
    for service, containers in sorted(images.items()):
        for container, image in sorted(containers.items()):
            digest = image.split("@", 1)[1] if "@sha256:" in image else "digest not known"
            name = service if container == service else f"{service}/{container}"
            lines.append(f"• `{mrkdwn_escape(name)}`: `{mrkdwn_escape(image.split('@', 1)[0])}` ({digest})")
    return "\n".join(lines) or "(no image change)"


def approval_blocks(request: ApprovalRequest, decided: str | None = None) -> list[dict[str, Any]]:
    """The request; with `decided`, the same facts and the decision instead of the buttons."""
    e = mrkdwn_escape
    alarms = ", ".join(f"{e(name)}: {e(state)}" for name, state in sorted(request.alarms.items())) or "none"
    facts = [
        f"*Version:* `{e(request.version)}`",
        f"*Triggered by:* {e(request.triggered_by)}",
        f"*Change:* {e(request.change_ref or 'none given')}",
        f"*Colours:* live {e(request.color_before)} → {e(request.color_after)} (now on preprod)",
        f"*Smoke tests:* {e(request.smoke_summary or 'no summary')}",
        f"*Alarms:* {alarms}",
        f"*Approvals needed:* {request.required_approvals} · *times out:* {e(request.timeout_at)}",
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"Release approval: {request.app}/{request.environment} {request.version}"[
                    :HEADER_TEXT_LIMIT
                ],
            },
        },
        section("\n".join(facts)),
        section("*Images*\n" + _image_lines(request.images)),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": fit(f"Release `{e(request.release_id)}` · <{request.execution_url}|execution>"),
                }
            ],
        },
    ]
    if decided is not None:
        blocks.append(section(decided))
        return blocks
    blocks.append(
        {
            "type": "actions",
            "block_id": "bluegreen_decision",
            "elements": [
                {
                    "type": "button",
                    "action_id": APPROVE_ACTION,
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "value": request.approval_id,
                },
                {
                    "type": "button",
                    "action_id": REJECT_ACTION,
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Reject"},
                    "value": request.approval_id,
                },
            ],
        }
    )
    return blocks


def reject_modal(approval_id: str, release_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REJECT_CALLBACK,
        "private_metadata": approval_id,
        "title": {"type": "plain_text", "text": "Reject release"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": f"Why reject {release_id}?"[:2000]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "min_length": 3,
                },
            }
        ],
    }


@dataclass
class SlackNotifier:
    """A Notifier that posts to one channel, plus the approval-specific calls.

    `message_ref(release_id)` finds the approval message of a release (stored in its record), so
    that later news goes in its thread and a timeout can take the buttons away.
    """

    token: Callable[[], str]
    channel: str
    base_url: str = WebClient.BASE_URL
    message_ref: Callable[[str], MessageRef | None] | None = None
    _client: WebClient | None = field(default=None, init=False, repr=False)

    def __repr__(self) -> str:  # never the token
        return f"SlackNotifier(channel={self.channel!r}, base_url={self.base_url!r})"

    @property
    def client(self) -> WebClient:
        if self._client is None:
            self._client = WebClient(token=self.token(), base_url=self.base_url, timeout=5)
        return self._client

    # -- Notifier ---------------------------------------------------------------------------------

    def notify(self, notification: Notification) -> None:
        ref = self._ref(notification.release_id)
        text = fit(mrkdwn_escape(notification.text), MESSAGE_TEXT_LIMIT)
        try:
            if ref is not None and notification.event == "timed_out":
                self.client.chat_update(
                    channel=ref.channel,
                    ts=ref.ts,
                    text=text,
                    blocks=[section(f":hourglass: *Approval timed out.* {text}")],
                )
            self.client.chat_postMessage(
                channel=ref.channel if ref else self.channel,
                thread_ts=ref.ts if ref else None,
                reply_broadcast=bool(ref and notification.event in TERMINAL_EVENTS),
                text=text,
            )
        except Exception as exc:  # news must never break a release
            _log_failure("notify", exc, notification.release_id)

    def _ref(self, release_id: str) -> MessageRef | None:
        if self.message_ref is None:
            return None
        try:
            return self.message_ref(release_id)
        except Exception as exc:  # a missing record must not stop the news
            _log_failure("message lookup", exc, release_id)
            return None

    # -- approvals --------------------------------------------------------------------------------

    def post_approval_request(self, request: ApprovalRequest) -> MessageRef | None:
        try:
            response = self.client.chat_postMessage(
                channel=self.channel,
                text=fit(
                    mrkdwn_escape(
                        f"Approval needed: {request.app}/{request.environment} {request.version} "
                        f"(release {request.release_id})"
                    ),
                    MESSAGE_TEXT_LIMIT,
                ),
                blocks=approval_blocks(request),
            )
        except Exception as exc:  # people can still decide from the console or the CLI
            _log_failure("approval request", exc, request.release_id)
            return None
        return MessageRef(str(response["channel"]), str(response["ts"]))

    def update_approval_message(
        self, ref: MessageRef, request: ApprovalRequest | None, text: str, *, final: bool
    ) -> None:
        """After a vote: say who decided how and when; a final decision removes the buttons.

        `text` is mrkdwn composed by the caller (user strings already escaped). If Slack refuses the
        full message, a final decision still replaces it with the decision alone, so no button stays.
        """
        summary = fit(text, MESSAGE_TEXT_LIMIT)
        try:
            if request is not None:
                blocks = approval_blocks(request, decided=text) if final else approval_blocks(request)
                if not final:
                    blocks.insert(-1, section(text))
            else:
                blocks = [section(text)]
            self.client.chat_update(channel=ref.channel, ts=ref.ts, text=summary, blocks=blocks)
            return
        except Exception as exc:  # the decision is taken; only its display failed
            _log_failure("approval update", exc, None)
        if not final:
            return
        try:
            self.client.chat_update(channel=ref.channel, ts=ref.ts, text=summary, blocks=[section(text)])
        except Exception as exc:
            _log_failure("approval update (decision only)", exc, None)

    def usergroup_members(self, group_id: str) -> set[str]:
        response = self.client.usergroups_users_list(usergroup=group_id)
        return {str(user) for user in response.get("users") or []}

    def user_profile(self, user_id: str) -> SlackProfile:
        """users.info (scopes users:read and users:read.email). Raises on Slack errors."""
        user = self.client.users_info(user=user_id).get("user") or {}
        profile = user.get("profile") or {}
        email = profile.get("email")
        return SlackProfile(
            user_id=user_id,
            email=str(email) if isinstance(email, str) and email else None,
            email_confirmed=user.get("is_email_confirmed")
            if isinstance(user.get("is_email_confirmed"), bool)
            else None,
            deleted=user.get("deleted") is True,
            is_bot=user.get("is_bot") is True,
        )

    def open_reject_modal(self, trigger_id: str, approval_id: str, release_id: str) -> None:
        self.client.views_open(trigger_id=trigger_id, view=reject_modal(approval_id, release_id))

    @staticmethod
    def respond(response_url: str, text: str) -> None:
        """An ephemeral answer to the person who clicked (refusals, progress)."""
        try:
            WebhookClient(response_url, timeout=5).send(
                text=fit(text, MESSAGE_TEXT_LIMIT), response_type="ephemeral", replace_original=False
            )
        except (SlackApiError, SlackClientError, OSError) as exc:
            _log_failure("respond", exc, None)


def _log_failure(what: str, exc: Exception, release_id: str | None) -> None:
    error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
    logger.warning("slack %s failed: %s", what, error, extra={"release_id": release_id})
