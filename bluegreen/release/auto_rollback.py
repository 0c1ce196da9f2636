"""Rollback after the workflow: the latest release undone while its rollback window is open.

One path for both triggers: a CloudWatch alarm state change (EventBridge -> the AlarmRollback Lambda)
and a person (`bluegreen rollback`, which invokes the same Lambda). The latest-release pointer says
what to undo: the colour before, and the parameter version the release switched to. Whether to flip
is decided by the pure rules in bluegreen/release/rollback_rules.py; this module reads the facts,
takes the lock, flips, waits for the gateways, records and notifies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bluegreen.adapters.notify import Notification
from bluegreen.colors import Color
from bluegreen.errors import ReleaseLockedError
from bluegreen.metrics import release_metrics
from bluegreen.metrics.names import Trigger
from bluegreen.models import GatewayView, Outcome
from bluegreen.records import LatestRelease
from bluegreen.release.gateways import evaluate_confirmation
from bluegreen.release.release_lock import held_by, under_release_lock
from bluegreen.release.rollback_rules import (
    RollbackOutcome,
    RollbackRequest,
    RollbackStatus,
    Verdict,
    alarm_verdict,
    flip_verdict,
    window_verdict,
)
from bluegreen.release.rollout import Phase, rollout_phase
from bluegreen.runtime import Runtime

__all__ = [
    "RollbackOutcome",
    "RollbackRequest",
    "RollbackStatus",
    "previous_color_problems",
    "roll_back_live",
    "wait_for_gateways",
]

ACK_POLL_SECONDS = 0.25
"""How often the function looks at the gateways' acknowledgements after the flip."""
LOCK_PURPOSE = "rollback"


def previous_color_problems(rt: Runtime, color: Color) -> list[str]:
    """Why `color` cannot take traffic back: a Deployment missing, scaled down, or not healthy."""
    namespace = rt.config.namespaces.of(color)
    deployments = rt.deployments()
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


def roll_back_live(
    request: RollbackRequest, rt: Runtime, sleep: Callable[[float], None] = time.sleep
) -> RollbackOutcome:
    """Undo the latest release if it may be undone; every refusal a person should hear of is
    recorded and notified."""
    config = rt.config
    latest = rt.releases.get_latest(config.app, config.environment)
    if latest is None:
        return RollbackOutcome(
            status=RollbackStatus.REFUSED,
            message=f"no finished release of {config.app}/{config.environment} to roll back",
        )
    verdict = _before_the_lock(request, latest, rt)
    if verdict.go:
        try:
            with under_release_lock(rt, LOCK_PURPOSE, latest.release_id) as fresh:
                latest = fresh if fresh is not None and fresh.release_id == latest.release_id else latest
                verdict = _under_the_lock(request, latest, rt)
                if verdict.go:
                    version, flipped_at = rt.colors.write(latest.color_before), rt.clock()
                    rt.releases.mark_latest(
                        config.app, config.environment, latest.release_id, rolled_back_at=flipped_at
                    )
        except ReleaseLockedError as exc:
            verdict = _lock_busy(exc, latest)
    if not verdict.go:
        return _stopped(request, latest, verdict, rt)
    return _after_the_flip(request, latest, version, flipped_at, rt, sleep)


def _before_the_lock(request: RollbackRequest, latest: LatestRelease, rt: Runtime) -> Verdict:
    config = rt.config
    live = latest.color_after
    watched = config.watched_alarms(live)
    name = request.alarm_name or ""
    state = rt.alarms.states([name])[name] if request.source == "alarm" and name in watched else None
    verdict = alarm_verdict(request, config.rollback.on_alarm, watched, live, state)
    return verdict if not verdict.go else window_verdict(request, latest, rt.clock())


def _under_the_lock(request: RollbackRequest, latest: LatestRelease, rt: Runtime) -> Verdict:
    verdict = window_verdict(request, latest, rt.clock())  # again: it may have changed meanwhile
    if not verdict.go:
        return verdict
    current = rt.colors.read()
    moving = current.color is not latest.color_before and current.version == latest.switch_parameter_version
    problems = previous_color_problems(rt, latest.color_before) if moving else []
    return flip_verdict(latest, current, problems, rt.config.domains.live)


def _lock_busy(exc: ReleaseLockedError, latest: LatestRelease) -> Verdict:
    if held_by(exc.holder, LOCK_PURPOSE, latest.release_id):
        return Verdict(
            RollbackStatus.ALREADY_ROLLED_BACK,
            f"another rollback of release {latest.release_id} is flipping traffic to "
            f"{latest.color_before.value} now",
        )
    return Verdict(RollbackStatus.REFUSED, f"the release lock is held: {exc}", True)


def _stopped(
    request: RollbackRequest, latest: LatestRelease, verdict: Verdict, rt: Runtime
) -> RollbackOutcome:
    assert verdict.status is not None
    already = verdict.status is RollbackStatus.ALREADY_ROLLED_BACK
    outcome = RollbackOutcome(
        status=verdict.status,
        message=verdict.message,
        release_id=latest.release_id,
        color=latest.color_before if already else None,
    )
    if verdict.record:
        rt.releases.update_record(
            latest.release_id,
            {
                "rollback_refused": {
                    "reason": verdict.message,
                    "trigger": request.model_dump(exclude_none=True),
                    "at": rt.clock(),
                }
            },
            step="rollback_refused",
        )
        rt.notifier.notify(
            Notification(
                "rollback_refused",
                latest.release_id,
                f"{rt.config.domains.live}: rollback refused ({request.describe()}): {verdict.message}",
            )
        )
    return outcome


def _after_the_flip(
    request: RollbackRequest,
    latest: LatestRelease,
    version: int,
    flipped_at: datetime,
    rt: Runtime,
    sleep: Callable[[float], None],
) -> RollbackOutcome:
    config = rt.config
    before, after = latest.color_before, latest.color_after
    confirmed, views = wait_for_gateways(rt, before, version, flipped_at, sleep)
    reason = request.describe()
    recorded = rt.releases.update_record(
        latest.release_id,
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
    release_metrics.rolled_back_after_release(rt, recorded, Trigger(request.source))
    gateways_text = (
        "gateways confirmed" if confirmed else "the gateways did NOT confirm in time: check them now"
    )
    rt.notifier.notify(
        Notification(
            "rolled_back",
            latest.release_id,
            f"{config.domains.live} is back on {before.value}, rolled back from {after.value} "
            f"(parameter v{version}; {gateways_text}): {reason}",
            {"alarm": request.alarm_name} if request.alarm_name else {},
        )
    )
    return RollbackOutcome(
        status=RollbackStatus.ROLLED_BACK,
        message=f"{config.domains.live} is back on {before.value} (parameter v{version}); {gateways_text}",
        release_id=latest.release_id,
        color=before,
        parameter_version=version,
        gateways_confirmed=confirmed,
        gateways=views,
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
