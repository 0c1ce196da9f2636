"""Approval: park the task token behind an opaque id, and decide on it.

The token never leaves AWS: it is stored in the releases table under an unguessable approval id
(with a TTL), and only that id is shown to people (Slack buttons, the CLI, the console). Neither
function logs it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from bluegreen.adapters.notify import Notification
from bluegreen.errors import ApprovalDecisionError
from bluegreen.models import ApprovalGranted, ReleaseContext, SmokeResult
from bluegreen.runtime import Runtime

TOKEN_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


def request_approval(context: ReleaseContext, task_token: str, smoke: SmokeResult | None, rt: Runtime) -> str:
    """Store the pending approval; returns its id (the only handle people ever see)."""
    approval_id = secrets.token_urlsafe(18)
    now = rt.clock()
    timeout = timedelta(seconds=context.waits.approval_timeout_seconds)
    rt.releases.put_approval(
        approval_id,
        {
            "task_token": task_token,
            "release_id": context.release_id,
            "execution_arn": context.execution_arn,
            "triggered_by": context.triggered_by,
            "required_approvals": rt.config.approvals.required_approvals,
            "requested_at": now,
        },
        expires_at=now + timeout + timedelta(days=1),
    )
    rt.releases.update_record(
        context.release_id,
        {"approval": {"status": "pending", "approval_id": approval_id, "requested_at": now}},
        step="approval_requested",
    )
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


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class Decision:
    release_id: str
    verdict: Verdict
    approver: str
    via: str
    reason: str | None = None


@dataclass(frozen=True)
class DecisionOutcome:
    status: str  # approved | rejected | recorded
    message: str


def _pending_approval(release_id: str, rt: Runtime) -> dict[str, Any]:
    record = rt.releases.get_record(release_id)
    if record is None:
        raise ApprovalDecisionError(f"release {release_id} does not exist")
    approval = record.get("approval") or {}
    pending = (
        rt.releases.get_approval(approval.get("approval_id", "")) if approval.get("approval_id") else None
    )
    if pending is None:
        status = approval.get("status") or record.get("outcome") or record.get("status") or "not waiting"
        raise ApprovalDecisionError(f"release {release_id} is not waiting for approval (it is {status})")
    return pending


def _send(rt: Runtime, call: str, **kwargs: Any) -> None:
    try:
        getattr(rt.sfn, call)(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in TOKEN_GONE:
            raise ApprovalDecisionError("the release is no longer waiting for approval (it ended)") from exc
        raise


def decide(decision: Decision, rt: Runtime) -> DecisionOutcome:
    approvals = rt.config.approvals
    if decision.approver not in approvals.approvers:
        raise ApprovalDecisionError(
            f"{decision.approver} is not an approver for {rt.config.app}/{rt.config.environment}"
        )
    pending = _pending_approval(decision.release_id, rt)
    approval_id = str(pending["approval_id"])
    now = rt.clock()
    if decision.verdict is Verdict.REJECT:
        closed = rt.releases.close_approval(approval_id)
        if closed is None:
            raise ApprovalDecisionError(f"release {decision.release_id} was already decided")
        cause = json.dumps(
            {"rejected_by": decision.approver, "via": decision.via, "reason": decision.reason or ""}
        )
        _send(
            rt,
            "send_task_failure",
            taskToken=closed["task_token"],
            error="ApprovalRejectedError",
            cause=cause,
        )
        rt.releases.update_record(
            decision.release_id,
            {
                "approval": {
                    "status": "rejected",
                    "approval_id": approval_id,
                    "by": decision.approver,
                    "via": decision.via,
                    "reason": decision.reason,
                    "decided_at": now,
                }
            },
            step="rejected",
        )
        return DecisionOutcome("rejected", f"release {decision.release_id} rejected by {decision.approver}")

    if decision.approver == pending.get("triggered_by") and not approvals.allow_self_approval:
        raise ApprovalDecisionError(
            f"{decision.approver} triggered release {decision.release_id} and cannot approve it"
        )
    votes = rt.releases.add_approval_vote(
        approval_id, {"approver": decision.approver, "via": decision.via, "at": now}
    )
    approvers = list(dict.fromkeys(v["approver"] for v in votes))
    required = int(pending.get("required_approvals", 1))
    if len(approvers) < required:
        rt.releases.update_record(
            decision.release_id,
            {"approval": {"status": "pending", "approval_id": approval_id, "votes": votes}},
        )
        return DecisionOutcome("recorded", f"approval {len(approvers)} of {required} recorded")
    closed = rt.releases.close_approval(approval_id)
    if closed is None:
        raise ApprovalDecisionError(f"release {decision.release_id} was already decided")
    granted = ApprovalGranted(
        approval_id=approval_id, approved_by=approvers, via=[v["via"] for v in votes], decided_at=now
    )
    _send(rt, "send_task_success", taskToken=closed["task_token"], output=granted.model_dump_json())
    rt.releases.update_record(
        decision.release_id,
        {"approval": {"status": "approved", "approval_id": approval_id, "votes": votes, "decided_at": now}},
        step="approved",
    )
    return DecisionOutcome("approved", f"release {decision.release_id} approved by {', '.join(approvers)}")
