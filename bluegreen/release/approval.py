"""Approval: park the task token behind an opaque id, collect votes, and resolve the token.

The token never leaves AWS: it is stored in the releases table under an unguessable approval id
(with a TTL), and only that id is shown to people (Slack buttons, the CLI, the console). Neither
function logs it.

`decide` is the one decision path for every door. The rules themselves (who may decide, no
self-approval, distinct people) are in `approval_policy`, over the identities `identity` derives
from each door's evidence; here they are applied to the stored votes, and an approval re-checks the
world first (`approval_checks`). The record keeps, per vote, the door, the raw evidence and the
person, and a rejection keeps the votes cast before it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bluegreen.adapters.notify import Notification
from bluegreen.adapters.slack import ApprovalRequest, MessageRef, execution_console_url, mrkdwn_escape
from bluegreen.clock import iso
from bluegreen.errors import ApprovalDecisionError
from bluegreen.models import ApprovalGranted, ReleaseContext, SmokeResult
from bluegreen.records import ApprovalState, PendingApproval
from bluegreen.release.approval_checks import approval_problems, idle_snapshot, watched_states
from bluegreen.release.approval_policy import (
    AllowList,
    Vote,
    approval_refusal,
    enough,
    has_voted,
    is_allowed,
    voters,
)
from bluegreen.release.identity import Identity, People
from bluegreen.release.trigger import trigger_of_record
from bluegreen.runtime import Runtime


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class Decision:
    release_id: str
    verdict: Verdict
    identity: Identity
    reason: str | None = None
    approval_id: str | None = None
    """The id on the button that was clicked (Slack): a button of an earlier request is stale."""


@dataclass(frozen=True)
class DecisionOutcome:
    status: str  # approved | rejected | recorded
    message: str


def describe_trigger(trigger: Identity) -> str:
    """One line for people: who, and how sure we are."""
    if trigger.verified:
        return f"{trigger.display} (verified: {trigger.door.value})"
    return f"{trigger.person or trigger.principal} (claimed, not verified: {trigger.how})"


def request_approval(context: ReleaseContext, task_token: str, smoke: SmokeResult | None, rt: Runtime) -> str:
    """Store the pending approval; returns its id (the only handle people ever see)."""
    approval_id = secrets.token_urlsafe(18)
    now = rt.clock()
    timeout = timedelta(seconds=context.waits.approval_timeout_seconds)
    snapshot = idle_snapshot(context, rt)
    people = People(rt.config.approvals.identities)
    trigger = trigger_of_record(rt.releases.get_record(context.release_id), context.triggered_by, people)
    rt.releases.put_approval(
        PendingApproval(
            approval_id=approval_id,
            release_id=context.release_id,
            task_token=task_token,
            execution_arn=context.execution_arn,
            triggered_by=context.triggered_by,
            trigger=trigger.model_dump(mode="json"),
            required_approvals=rt.config.approvals.required_approvals,
            requested_at=now,
            idle_namespace=context.idle_namespace,
            idle_snapshot=snapshot,
            expires_at=int((now + timeout + timedelta(days=1)).timestamp()),
        )
    )
    request = ApprovalRequest(
        approval_id=approval_id,
        release_id=context.release_id,
        app=context.app,
        environment=context.environment,
        version=context.version,
        triggered_by=describe_trigger(trigger),
        change_ref=context.change_ref,
        images={name: dict(entry["images"]) for name, entry in snapshot.items()},
        smoke_summary=smoke.summary if smoke else None,
        alarms=watched_states(context, rt),
        color_before=context.active_color.value,
        color_after=context.idle_color.value,
        execution_url=execution_console_url(context.execution_arn),
        required_approvals=rt.config.approvals.required_approvals,
        timeout_at=iso(now + timeout),
    )
    rt.releases.update_record(
        context.release_id,
        {
            **ApprovalState(status="pending", approval_id=approval_id, requested_at=now).fields(),
            "approval_request": asdict(request),
        },
        step="approval_requested",
    )
    if rt.slack is not None:
        ref = rt.slack.post_approval_request(request)
        if ref is not None:
            rt.releases.update_record(context.release_id, {"slack_message": ref.as_record()})
        return approval_id
    rt.notifier.notify(
        Notification(
            "approval_requested",
            context.release_id,
            f"{context.app}/{context.environment} {context.version} is ready on {context.idle_color.value} "
            f"(preprod): approve or reject release {context.release_id}",
            {"approval_id": approval_id, "smoke": smoke.summary if smoke else None},
        )
    )
    return approval_id


def release_of_approval(approval_id: str, rt: Runtime) -> str:
    """The release a button belongs to; a button whose approval is gone is answered politely."""
    pending = rt.releases.get_approval(approval_id) if approval_id else None
    if pending is None:
        raise ApprovalDecisionError(
            "this release is no longer waiting for approval: it was already decided, or it ended"
        )
    return pending.release_id


def _pending_approval(release_id: str, rt: Runtime) -> tuple[PendingApproval, ApprovalState]:
    """The pending approval and the record's approval state, or why the release is not waiting."""
    record = rt.releases.get_record(release_id)
    if record is None:
        raise ApprovalDecisionError(f"release {release_id} does not exist")
    state = ApprovalState.model_validate(record.get("approval") or {})
    pending = rt.releases.get_approval(state.approval_id) if state.approval_id else None
    if pending is None:
        status = state.status or record.get("outcome") or record.get("status") or "not waiting"
        raise ApprovalDecisionError(f"release {release_id} is not waiting for approval (it is {status})")
    return pending, state


def _votes(raw: Any) -> list[Vote]:
    return [Vote.model_validate(v) for v in raw or [] if isinstance(v, dict)]


def _trigger(pending: PendingApproval, rt: Runtime) -> Identity:
    people = People(rt.config.approvals.identities)
    return trigger_of_record({"trigger": pending.trigger}, pending.triggered_by or "", people)


def _who(identity: Identity | Vote) -> str:
    """mrkdwn for a decider: a Slack mention (an id Slack gave us), else the escaped person."""
    if isinstance(identity, Vote):
        user = identity.evidence.get("slack_user")
        text = identity.approver
    else:
        user = identity.evidence.get("slack_user")
        text = identity.display
    return f"<@{user}>" if user else mrkdwn_escape(text)


def _update_message(release_id: str, text: str, final: bool, rt: Runtime) -> None:
    """Say on the Slack approval message who decided, how and when (whatever door decided)."""
    if rt.slack is None:
        return
    record = rt.releases.get_record(release_id) or {}
    ref = MessageRef.from_record(record.get("slack_message"))
    if ref is None:
        return
    raw = record.get("approval_request")
    request = ApprovalRequest(**raw) if isinstance(raw, dict) else None
    rt.slack.update_approval_message(ref, request, text, final=final)


def _group_members(rt: Runtime) -> Callable[[str], set[str]]:
    def members(group: str) -> set[str]:
        return rt.slack.usergroup_members(group) if rt.slack is not None else set()

    return members


def decide(decision: Decision, rt: Runtime) -> DecisionOutcome:
    identity = decision.identity
    approvals = rt.config.approvals
    if not is_allowed(identity, AllowList.from_config(approvals), _group_members(rt)):
        raise ApprovalDecisionError(
            f"{identity.display} is not an approver for {rt.config.app}/{rt.config.environment}"
        )
    pending, state = _pending_approval(decision.release_id, rt)
    approval_id = pending.approval_id
    if decision.approval_id is not None and decision.approval_id != approval_id:
        raise ApprovalDecisionError("this button belongs to an earlier approval request of this release")
    now = rt.clock()
    if decision.verdict is Verdict.REJECT:
        return _reject(decision, state, now, rt)

    refusal = approval_refusal(identity, _trigger(pending, rt), approvals.allow_self_approval)
    if refusal is not None:
        raise ApprovalDecisionError(refusal)
    if identity.person is None:  # approval_refusal already refuses it; this tells the type checker
        raise ApprovalDecisionError(f"{identity.principal} names no person")
    required = pending.required_approvals
    votes = _votes(pending.approvals)
    if has_voted(votes, identity.person):
        return DecisionOutcome(
            "recorded",
            f"{identity.person}'s approval is already recorded ({len(voters(votes))} of {required})",
        )
    problems = approval_problems(pending, rt)
    if problems:
        rt.releases.update_record(
            decision.release_id,
            {
                "approval_refused": {
                    "by": identity.display,
                    "via": identity.door.value,
                    "identity": identity.model_dump(mode="json"),
                    "at": now,
                    "problems": problems,
                }
            },
        )
        raise ApprovalDecisionError("approval refused: " + "; ".join(problems))
    votes = _votes(rt.releases.add_approval_vote(approval_id, Vote.of(identity, now).as_item()))
    stored = [v.as_item() for v in votes]
    when = _when(now)
    if not enough(votes, required):
        rt.releases.update_record(
            decision.release_id,
            state.model_copy(update={"status": "pending", "votes": stored}).fields(),
        )
        count = len(voters(votes))
        _update_message(
            decision.release_id,
            f"Approved by {_who(identity)} via {identity.door.value} at {when}: "
            f"{count} of {required}, waiting for another approver",
            False,
            rt,
        )
        return DecisionOutcome("recorded", f"approval {count} of {required} recorded ({identity.person})")
    closed = rt.releases.close_approval(approval_id)
    if closed is None:
        raise ApprovalDecisionError(f"release {decision.release_id} was already decided")
    granted = ApprovalGranted(
        approval_id=approval_id,
        approved_by=voters(votes),
        via=[v.via for v in votes],
        decided_at=now,
    )
    rt.steps().send_task_success(closed.task_token, granted.model_dump_json())
    rt.releases.update_record(
        decision.release_id,
        state.model_copy(update={"status": "approved", "votes": stored, "decided_at": now}).fields(),
        step="approved",
    )
    who = ", ".join(f"{_who(v)} via {v.via}" for v in votes)
    _update_message(decision.release_id, f":white_check_mark: *Approved* by {who} at {when}", True, rt)
    return DecisionOutcome(
        "approved", f"release {decision.release_id} approved by {', '.join(granted.approved_by)}"
    )


def _when(now: datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M UTC")


def _reject(decision: Decision, state: ApprovalState, now: datetime, rt: Runtime) -> DecisionOutcome:
    identity = decision.identity
    closed = rt.releases.close_approval(state.approval_id or "")
    if closed is None:
        raise ApprovalDecisionError(f"release {decision.release_id} was already decided")
    cause = json.dumps(
        {"rejected_by": identity.display, "via": identity.door.value, "reason": decision.reason or ""}
    )
    # Recorded before the workflow hears of it: RecordFailure reads who and why from the record.
    rt.releases.update_record(
        decision.release_id,
        state.model_copy(
            update={
                "status": "rejected",
                "by": identity.principal,
                "person": identity.person,
                "via": identity.door.value,
                "rejected_by": identity.model_dump(mode="json"),
                "reason": decision.reason,
                "votes": [v.as_item() for v in _votes(closed.approvals)],
                "decided_at": now,
            }
        ).fields(),
        step="rejected",
    )
    rt.steps().send_task_failure(closed.task_token, "ApprovalRejectedError", cause)
    _update_message(
        decision.release_id,
        f":x: *Rejected* by {_who(identity)} via {identity.door.value} at {_when(now)}: "
        f"{mrkdwn_escape(decision.reason or 'no reason given')}",
        True,
        rt,
    )
    return DecisionOutcome("rejected", f"release {decision.release_id} rejected by {identity.display}")
