"""Approval: park the task token behind an opaque id, and decide on it.

The token never leaves AWS: it is stored in the releases table under an unguessable approval id
(with a TTL), and only that id is shown to people (Slack buttons, the CLI, the console). Neither
function logs it.

`decide` is the one decision path for Slack, the console and the CLI: the allow-list for the
channel the decision came through, no self-approval, distinct voters, and — for an approval — a
re-check that no watched alarm fires and the idle deployments are exactly as they were when the
approval was requested (a snapshot stored with the pending approval).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from bluegreen.adapters.alarms import unhealthy
from bluegreen.adapters.kube import Deployments
from bluegreen.adapters.notify import Notification
from bluegreen.adapters.slack import ApprovalRequest, MessageRef, execution_console_url
from bluegreen.clock import iso
from bluegreen.colors import Color
from bluegreen.errors import ApprovalDecisionError
from bluegreen.models import ApprovalGranted, ReleaseContext, SmokeResult
from bluegreen.release.rollout import container_images
from bluegreen.runtime import Runtime

TOKEN_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


def idle_snapshot(context: ReleaseContext, rt: Runtime) -> dict[str, dict[str, Any]]:
    """service -> deployment, generation and container images in the idle namespace, right now."""
    deployments = Deployments(rt.kube())
    snapshot: dict[str, dict[str, Any]] = {}
    for service in context.services:
        current = deployments.read(context.idle_namespace, service.deployment)
        snapshot[service.name] = {
            "deployment": service.deployment,
            "generation": int((current or {}).get("metadata", {}).get("generation") or 0),
            "images": container_images(current) if current else {},
        }
    return snapshot


def request_approval(context: ReleaseContext, task_token: str, smoke: SmokeResult | None, rt: Runtime) -> str:
    """Store the pending approval; returns its id (the only handle people ever see)."""
    approval_id = secrets.token_urlsafe(18)
    now = rt.clock()
    timeout = timedelta(seconds=context.waits.approval_timeout_seconds)
    snapshot = idle_snapshot(context, rt)
    rt.releases.put_approval(
        approval_id,
        {
            "task_token": task_token,
            "release_id": context.release_id,
            "execution_arn": context.execution_arn,
            "triggered_by": context.triggered_by,
            "required_approvals": rt.config.approvals.required_approvals,
            "requested_at": now,
            "idle_namespace": context.idle_namespace,
            "idle_snapshot": snapshot,
        },
        expires_at=now + timeout + timedelta(days=1),
    )
    request = ApprovalRequest(
        approval_id=approval_id,
        release_id=context.release_id,
        app=context.app,
        environment=context.environment,
        version=context.version,
        triggered_by=context.triggered_by,
        change_ref=context.change_ref,
        images={name: dict(entry["images"]) for name, entry in snapshot.items()},
        smoke_summary=smoke.summary if smoke else None,
        alarms=_watched_states(context, rt),
        color_before=context.active_color.value,
        color_after=context.idle_color.value,
        execution_url=execution_console_url(context.execution_arn),
        required_approvals=rt.config.approvals.required_approvals,
        timeout_at=iso(now + timeout),
    )
    rt.releases.update_record(
        context.release_id,
        {
            "approval": {"status": "pending", "approval_id": approval_id, "requested_at": now},
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


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Via(StrEnum):
    SLACK = "slack"
    CONSOLE = "console"
    CLI = "cli"


CONSOLE_VOTER = "console"
"""Every console decision counts as the same voter: the execution context carries no person."""

ASSUMED_ROLE = re.compile(
    r"^arn:(?P<p>[^:]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/(?P<session>.+)$"
)
ROLE = re.compile(r"^arn:(?P<p>[^:]+):iam::(?P<account>\d{12}):role/(?:.+/)?(?P<role>[^/]+)$")


@dataclass(frozen=True)
class Decision:
    release_id: str
    verdict: Verdict
    approver: str
    """The identity as recorded: `slack:<user id>`, an IAM ARN (CLI), `console:<execution ARN>`."""
    via: str
    reason: str | None = None
    approval_id: str | None = None
    """The id on the button that was clicked (Slack): a button of an earlier request is stale."""
    name: str | None = None
    """A display name, where the channel gives one (Slack user name)."""


@dataclass(frozen=True)
class DecisionOutcome:
    status: str  # approved | rejected | recorded
    message: str


def iam_identity_matches(identity: str, allowed: str) -> bool:
    """An assumed-role session (`sts::…:assumed-role/R/alice`) matches its role (`iam::…:role/R`)."""
    if identity == allowed:
        return True
    session, role = ASSUMED_ROLE.match(identity), ROLE.match(allowed)
    return bool(
        session
        and role
        and session["account"] == role["account"]
        and session["role"] == role["role"]
        and session["p"] == role["p"]
    )


def slack_user(identity: str) -> str | None:
    return identity.removeprefix("slack:") if identity.startswith("slack:") else None


def _voter(decision: Decision) -> str:
    return CONSOLE_VOTER if decision.via == Via.CONSOLE else decision.approver


def _is_allowed(decision: Decision, rt: Runtime) -> bool:
    approvals = rt.config.approvals
    if decision.via == Via.CONSOLE:
        return True  # only the approvers role may start the decision workflow (IAM)
    user = slack_user(decision.approver)
    if decision.via == Via.SLACK:
        if user is None:
            return False
        if user in approvals.slack_approvers or user in approvals.approvers:
            return True
        if rt.slack is None or not approvals.slack_approver_groups:
            return False
        return any(user in rt.slack.usergroup_members(group) for group in approvals.slack_approver_groups)
    return any(iam_identity_matches(decision.approver, allowed) for allowed in approvals.approvers)


def _same_person(decision: Decision, triggered_by: Any) -> bool:
    if not isinstance(triggered_by, str) or not triggered_by:
        return False
    names = {decision.approver, slack_user(decision.approver) or decision.approver}
    session = ASSUMED_ROLE.match(decision.approver)
    if session:
        names.add(session["session"])
    if decision.name:
        names.add(decision.name)
    return triggered_by in names


def release_of_approval(approval_id: str, rt: Runtime) -> str:
    """The release a button belongs to; a button whose approval is gone is answered politely."""
    pending = rt.releases.get_approval(approval_id)
    if pending is None:
        raise ApprovalDecisionError(
            "this release is no longer waiting for approval: it was already decided, or it ended"
        )
    return str(pending["release_id"])


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


def _watched_states(context: ReleaseContext, rt: Runtime) -> dict[str, str]:
    config = rt.config
    watched = config.alarms.rollback_alarm_names(config.app, config.environment, context.idle_color)
    return rt.alarms.states(watched) if watched else {}


def approval_problems(pending: dict[str, Any], rt: Runtime) -> list[str]:
    """Why approving now would be wrong: a watched alarm fires, or idle changed since the request."""
    config = rt.config
    idle = next((c for c in Color if config.namespaces.of(c) == pending.get("idle_namespace")), None)
    watched = (
        config.alarms.rollback_alarm_names(config.app, config.environment, idle)
        if idle
        else config.alarms.names
    )
    problems = [
        f"alarm {name} is {state}" for name, state in sorted(unhealthy(rt.alarms.states(watched)).items())
    ]
    snapshot = pending.get("idle_snapshot")
    namespace = pending.get("idle_namespace")
    if not isinstance(snapshot, dict) or not namespace:
        return problems
    deployments = Deployments(rt.kube())
    for service, before in sorted(snapshot.items()):
        current = deployments.read(str(namespace), str(before["deployment"]))
        if current is None:
            problems.append(f"{service} vanished from {namespace} since approval was requested")
            continue
        generation = int(current.get("metadata", {}).get("generation") or 0)
        if generation != int(before["generation"]) or container_images(current) != before["images"]:
            problems.append(f"{service} changed in {namespace} since approval was requested")
    return problems


def _send(rt: Runtime, call: str, **kwargs: Any) -> None:
    try:
        getattr(rt.sfn, call)(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in TOKEN_GONE:
            raise ApprovalDecisionError("the release is no longer waiting for approval (it ended)") from exc
        raise


def _who(identity: str) -> str:
    user = slack_user(identity)
    return f"<@{user}>" if user else identity


def _update_message(release_id: str, text: str, final: bool, rt: Runtime) -> None:
    """Say on the Slack approval message who decided, how and when (whatever channel decided)."""
    if rt.slack is None:
        return
    record = rt.releases.get_record(release_id) or {}
    ref = MessageRef.from_record(record.get("slack_message"))
    if ref is None:
        return
    raw = record.get("approval_request")
    request = ApprovalRequest(**raw) if isinstance(raw, dict) else None
    rt.slack.update_approval_message(ref, request, text, final=final)


def decide(decision: Decision, rt: Runtime) -> DecisionOutcome:
    if not _is_allowed(decision, rt):
        raise ApprovalDecisionError(
            f"{decision.approver} is not an approver for {rt.config.app}/{rt.config.environment}"
        )
    pending = _pending_approval(decision.release_id, rt)
    approval_id = str(pending["approval_id"])
    if decision.approval_id is not None and decision.approval_id != approval_id:
        raise ApprovalDecisionError("this button belongs to an earlier approval request of this release")
    now = rt.clock()
    when = now.strftime("%Y-%m-%d %H:%M UTC")
    if decision.verdict is Verdict.REJECT:
        return _reject(decision, approval_id, now, when, rt)

    if _same_person(decision, pending.get("triggered_by")) and not rt.config.approvals.allow_self_approval:
        raise ApprovalDecisionError(
            f"{decision.approver} triggered release {decision.release_id} and cannot approve it"
        )
    required = int(pending.get("required_approvals", 1))
    voter = _voter(decision)
    if voter in (pending.get("voters") or []):
        count = len(set(pending.get("voters") or []))
        return DecisionOutcome("recorded", f"your approval is already recorded ({count} of {required})")
    problems = approval_problems(pending, rt)
    if problems:
        rt.releases.update_record(
            decision.release_id,
            {
                "approval_refused": {
                    "by": decision.approver,
                    "via": decision.via,
                    "at": now,
                    "problems": problems,
                }
            },
        )
        raise ApprovalDecisionError("approval refused: " + "; ".join(problems))
    vote = {"approver": voter, "identity": decision.approver, "via": decision.via, "at": now}
    if decision.name:
        vote["name"] = decision.name
    votes = rt.releases.add_approval_vote(approval_id, vote)
    approvers = list(dict.fromkeys(v["approver"] for v in votes))
    if len(approvers) < required:
        rt.releases.update_record(
            decision.release_id,
            {"approval": {"status": "pending", "approval_id": approval_id, "votes": votes}},
        )
        _update_message(
            decision.release_id,
            f"Approved by {_who(decision.approver)} via {decision.via} at {when}: "
            f"{len(approvers)} of {required}, waiting for another approver",
            False,
            rt,
        )
        return DecisionOutcome("recorded", f"approval {len(approvers)} of {required} recorded")
    closed = rt.releases.close_approval(approval_id)
    if closed is None:
        raise ApprovalDecisionError(f"release {decision.release_id} was already decided")
    granted = ApprovalGranted(
        approval_id=approval_id,
        approved_by=[v.get("identity", v["approver"]) for v in votes],
        via=[v["via"] for v in votes],
        decided_at=now,
    )
    _send(rt, "send_task_success", taskToken=closed["task_token"], output=granted.model_dump_json())
    rt.releases.update_record(
        decision.release_id,
        {"approval": {"status": "approved", "approval_id": approval_id, "votes": votes, "decided_at": now}},
        step="approved",
    )
    who = ", ".join(f"{_who(v.get('identity', v['approver']))} via {v['via']}" for v in votes)
    _update_message(decision.release_id, f":white_check_mark: *Approved* by {who} at {when}", True, rt)
    return DecisionOutcome(
        "approved",
        f"release {decision.release_id} approved by {', '.join(granted.approved_by)}",
    )


def _reject(decision: Decision, approval_id: str, now: Any, when: str, rt: Runtime) -> DecisionOutcome:
    closed = rt.releases.close_approval(approval_id)
    if closed is None:
        raise ApprovalDecisionError(f"release {decision.release_id} was already decided")
    cause = json.dumps(
        {"rejected_by": decision.approver, "via": decision.via, "reason": decision.reason or ""}
    )
    # Recorded before the workflow hears of it: RecordFailure reads who and why from the record.
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
    _send(rt, "send_task_failure", taskToken=closed["task_token"], error="ApprovalRejectedError", cause=cause)
    _update_message(
        decision.release_id,
        f":x: *Rejected* by {_who(decision.approver)} via {decision.via} at {when}: "
        f"{decision.reason or 'no reason given'}",
        True,
        rt,
    )
    return DecisionOutcome("rejected", f"release {decision.release_id} rejected by {decision.approver}")
