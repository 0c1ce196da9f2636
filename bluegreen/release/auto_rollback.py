"""Rollback after the workflow: the last finished release undone while its rollback window is open.

One path for both triggers: a CloudWatch alarm state change (EventBridge -> the AlarmRollback Lambda)
and a person (`bluegreen rollback`, which invokes the same Lambda). The latest-release pointer
written by Finish says what to undo: the colour before, and the parameter version the release
switched to. The flip happens only if the parameter still holds that version, under the release
lock, so two alarms firing together flip once; it never goes to a colour that is scaled down or
unhealthy, and says so instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bluegreen.adapters.alarms import ALARM
from bluegreen.adapters.kube import Deployments
from bluegreen.adapters.notify import Notification
from bluegreen.adapters.release_store import pseudo_holder
from bluegreen.colors import Color
from bluegreen.errors import ReleaseLockedError
from bluegreen.models import GatewayView, Outcome
from bluegreen.release.gateways import evaluate_confirmation
from bluegreen.release.rollout import Phase, rollout_phase
from bluegreen.runtime import Runtime

ACK_POLL_SECONDS = 0.25
"""How often the function looks at the gateways' acknowledgements after the flip."""


class RollbackStatus(StrEnum):
    ROLLED_BACK = "rolled_back"
    ALREADY_ROLLED_BACK = "already_rolled_back"
    REFUSED = "refused"
    IGNORED = "ignored"


class RollbackRequest(BaseModel):
    """Why a rollback is asked for: an alarm that changed state, or a person."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: Literal["alarm", "manual"]
    alarm_name: str | None = None
    alarm_state: str | None = None
    alarm_reason: str | None = None
    requested_by: str | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.source == "alarm":
            return f"alarm {self.alarm_name} is {self.alarm_state}" + (
                f" ({self.alarm_reason})" if self.alarm_reason else ""
            )
        return f"requested by {self.requested_by or 'an operator'}" + (
            f": {self.reason}" if self.reason else ""
        )


class RollbackOutcome(BaseModel):
    """What happened; `refused` and `ignored` carry the reason a person needs."""

    model_config = ConfigDict(frozen=True)

    status: RollbackStatus
    message: str
    release_id: str | None = None
    color: Color | None = None
    parameter_version: int | None = None
    gateways_confirmed: bool | None = None
    gateways: list[GatewayView] = []

    @property
    def refused(self) -> bool:
        return self.status is RollbackStatus.REFUSED


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def previous_color_problems(rt: Runtime, color: Color) -> list[str]:
    """Why `color` cannot take traffic back: a Deployment missing, scaled down, or not healthy."""
    namespace = rt.config.namespaces.of(color)
    deployments = Deployments(rt.kube())
    problems: list[str] = []
    for service in rt.config.services:
        current = deployments.read(namespace, service.deployment_name)
        if current is None:
            problems.append(f"{service.name} does not exist in {namespace}")
            continue
        if int(current.get("spec", {}).get("replicas", 1)) == 0:
            problems.append(f"{service.name} is scaled down to 0 in {namespace}")
            continue
        phase, reason = rollout_phase(current)
        if phase is not Phase.COMPLETE:
            problems.append(f"{service.name} is not healthy in {namespace}: {reason}")
    return problems


class _Refusal(Exception):
    def __init__(self, outcome: RollbackOutcome, record: bool = True) -> None:
        self.outcome = outcome
        self.record = record


def roll_back_live(
    request: RollbackRequest, rt: Runtime, sleep: Callable[[float], None] = time.sleep
) -> RollbackOutcome:
    """Undo the latest finished release if it may be undone; every refusal is recorded and notified."""
    config = rt.config
    latest = rt.releases.get_latest(config.app, config.environment)
    if latest is None:
        return RollbackOutcome(
            status=RollbackStatus.REFUSED,
            message=f"no finished release of {config.app}/{config.environment} to roll back",
        )
    release_id = str(latest["release_id"])
    try:
        return _roll_back(request, latest, rt, sleep)
    except _Refusal as refusal:
        outcome = refusal.outcome
        if refusal.record:
            rt.releases.update_record(
                release_id,
                {
                    "rollback_refused": {
                        "reason": outcome.message,
                        "trigger": request.model_dump(exclude_none=True),
                        "at": rt.clock(),
                    }
                },
                step="rollback_refused",
            )
            rt.notifier.notify(
                Notification(
                    "rollback_refused",
                    release_id,
                    f"{config.domains.live}: rollback refused ({request.describe()}): {outcome.message}",
                )
            )
        return outcome


def _roll_back(
    request: RollbackRequest, latest: dict[str, Any], rt: Runtime, sleep: Callable[[float], None]
) -> RollbackOutcome:
    config = rt.config
    release_id = str(latest["release_id"])
    before, after = Color(latest["color_before"]), Color(latest["color_after"])
    expected_version = int(latest["switch_parameter_version"])

    def outcome(status: RollbackStatus, message: str, **fields: Any) -> RollbackOutcome:
        return RollbackOutcome(status=status, message=message, release_id=release_id, **fields)

    if request.source == "alarm":
        _check_alarm(request, rt, after, outcome)
    if latest.get("rolled_back_at"):
        return outcome(
            RollbackStatus.ALREADY_ROLLED_BACK,
            f"release {release_id} was already rolled back to {before.value} at {latest['rolled_back_at']}",
            color=before,
        )
    _check_window(request, latest, rt, before, outcome)

    holder = pseudo_holder("rollback", release_id, rt.clock())
    try:
        rt.releases.acquire_lock(config.app, config.environment, holder, release_id, rt.execution_is_running)
    except ReleaseLockedError as exc:
        if exc.holder.startswith(f"bluegreen:rollback:{release_id}:"):
            return outcome(
                RollbackStatus.ALREADY_ROLLED_BACK,
                f"another rollback of release {release_id} is flipping traffic to {before.value} now",
                color=before,
            )
        raise _Refusal(outcome(RollbackStatus.REFUSED, f"the release lock is held: {exc}")) from exc
    try:
        latest = rt.releases.get_latest(config.app, config.environment) or latest  # fresh, under the lock
        if latest.get("rolled_back_at"):
            return outcome(
                RollbackStatus.ALREADY_ROLLED_BACK,
                f"release {release_id} was already rolled back to {before.value}",
                color=before,
            )
        _check_window(request, latest, rt, before, outcome)
        current = rt.colors.read()
        if current.color is before:
            return outcome(
                RollbackStatus.ALREADY_ROLLED_BACK,
                f"{config.domains.live} is already on {before.value} (parameter v{current.version})",
                color=before,
                parameter_version=current.version,
            )
        if current.version != expected_version:
            raise _Refusal(
                outcome(
                    RollbackStatus.REFUSED,
                    f"the parameter changed since release {release_id} switched to {after.value} "
                    f"v{expected_version}: it holds {current.color.value} v{current.version}",
                )
            )
        problems = previous_color_problems(rt, before)
        if problems:
            raise _Refusal(
                outcome(
                    RollbackStatus.REFUSED,
                    f"will not roll back to {before.value}: " + "; ".join(problems),
                )
            )
        version = rt.colors.write(before)
        flipped_at = rt.clock()
        rt.releases.mark_latest(config.app, config.environment, release_id, {"rolled_back_at": flipped_at})
    finally:
        rt.releases.release_lock(config.app, config.environment, holder)

    confirmed, views = wait_for_gateways(rt, before, version, flipped_at, sleep)
    reason = request.describe()
    rt.releases.update_record(
        release_id,
        {
            "status": "ROLLED_BACK",
            "outcome": Outcome.ROLLED_BACK.value,
            "active_color": before.value,
            "reason": f"rolled back after the release finished: {reason}",
            "rollback": {
                "after_release": True,
                "trigger": request.source,
                "alarm": request.alarm_name,
                "requested_by": request.requested_by,
                "reason": reason,
                "at": flipped_at,
                "color": before.value,
                "parameter_version": version,
                "flipped": True,
                "gateways_confirmed": confirmed,
                "gateways": [v.model_dump() for v in views],
            },
        },
        step="rolled_back_after_release",
    )
    gateways_text = (
        "gateways confirmed" if confirmed else "the gateways did NOT confirm in time: check them now"
    )
    rt.notifier.notify(
        Notification(
            "rolled_back",
            release_id,
            f"{config.domains.live} is back on {before.value}, rolled back from {after.value} "
            f"(parameter v{version}; {gateways_text}): {reason}",
            {"alarm": request.alarm_name} if request.alarm_name else {},
        )
    )
    return outcome(
        RollbackStatus.ROLLED_BACK,
        f"{config.domains.live} is back on {before.value} (parameter v{version}); {gateways_text}",
        color=before,
        parameter_version=version,
        gateways_confirmed=confirmed,
        gateways=views,
    )


def _check_alarm(
    request: RollbackRequest, rt: Runtime, live: Color, outcome: Callable[..., RollbackOutcome]
) -> None:
    """Only an alarm that watches the live colour, is ALARM now (not a stale event), and only if armed."""
    config = rt.config
    name = request.alarm_name or ""
    if not config.rollback.on_alarm:
        raise _Refusal(outcome(RollbackStatus.IGNORED, "rollback on alarm is off (rollback.on_alarm)"), False)
    watched = config.alarms.rollback_alarm_names(config.app, config.environment, live)
    if name not in watched:
        raise _Refusal(
            outcome(RollbackStatus.IGNORED, f"alarm {name} does not watch the live colour {live.value}"),
            False,
        )
    state = rt.alarms.states([name])[name]
    if state != ALARM:
        raise _Refusal(outcome(RollbackStatus.IGNORED, f"alarm {name} is {state} now, not ALARM"), False)


def _check_window(
    request: RollbackRequest,
    latest: dict[str, Any],
    rt: Runtime,
    before: Color,
    outcome: Callable[..., RollbackOutcome],
) -> None:
    release_id = latest["release_id"]
    if latest.get("superseded_by") and request.source == "alarm":
        # A newer release is running (its own bake handles alarms) or ended without finishing.
        raise _Refusal(
            outcome(
                RollbackStatus.IGNORED,
                f"release {latest['superseded_by']} started after release {release_id}: "
                "the workflow, not the rollback after it, answers this alarm",
            ),
            record=False,
        )
    if latest.get("superseded_by"):
        raise _Refusal(
            outcome(
                RollbackStatus.REFUSED,
                f"release {latest['superseded_by']} started after release {release_id} and redeploys "
                f"{before.value}: roll forward, or release the previous version",
            )
        )
    if latest.get("scaled_down_at"):
        raise _Refusal(
            outcome(
                RollbackStatus.REFUSED,
                f"the rollback window of release {release_id} closed: {before.value} was scaled down at "
                f"{latest['scaled_down_at']}; release the previous version instead",
            )
        )
    closes = _parse_time(latest.get("scale_down_after"))
    if closes is not None and rt.clock() >= closes:
        raise _Refusal(
            outcome(
                RollbackStatus.REFUSED,
                f"the rollback window of release {release_id} closed at {closes.isoformat()}; "
                f"{before.value} is being scaled down: release the previous version instead",
            )
        )


def wait_for_gateways(
    rt: Runtime, target: Color, version: int, since: datetime, sleep: Callable[[float], None]
) -> tuple[bool, list[GatewayView]]:
    """Poll the acknowledgements until every live gateway serves `target` v`version`, or time out."""
    gateways = rt.config.gateways
    deadline = since + timedelta(seconds=gateways.confirm_timeout_seconds)
    while True:
        confirmation = evaluate_confirmation(
            rt.require_acks().all(),
            target=target,
            version=version,
            now=rt.clock(),
            liveness_seconds=gateways.liveness_seconds,
            min_live=gateways.min_live,
        )
        if confirmation.confirmed or rt.clock() >= deadline:
            return confirmation.confirmed, confirmation.views
        sleep(ACK_POLL_SECONDS)
