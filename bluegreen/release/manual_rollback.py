"""`bluegreen rollback --to <colour>`: put traffic on a named colour, whatever the last release did.

The supported way out of a failed rollback or of a release stopped after its switch, where the
ordinary rollback has no finished release to undo. The same guards as every flip: the release lock
(a running release is never overtaken: stop it first), the parameter still at the version the
operator saw, the colour's Deployments scaled up and healthy, the gateways' confirmation, and a
record of who, why, from where to where on the release that last moved traffic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bluegreen.adapters.notify import Notification
from bluegreen.adapters.release_store import pseudo_holder
from bluegreen.colors import Color
from bluegreen.errors import ReleaseLockedError
from bluegreen.metrics import release_metrics
from bluegreen.metrics.names import Trigger
from bluegreen.models import Outcome
from bluegreen.release.auto_rollback import (
    RollbackOutcome,
    RollbackStatus,
    previous_color_problems,
    wait_for_gateways,
)
from bluegreen.runtime import Runtime

MANUAL_HOLDER = "rollback-to"


def _release_on(rt: Runtime, color: Color) -> dict[str, Any] | None:
    """The newest release that put traffic on `color` (its record gets the rollback)."""
    config = rt.config
    for record in rt.releases.recent_records(config.app, config.environment, limit=20):
        if (record.get("colors") or {}).get("target") == color.value:
            return record
    return None


def roll_back_to(
    to: Color,
    requested_by: str,
    reason: str | None,
    expected_version: int | None,
    rt: Runtime,
    sleep: Callable[[float], None] = time.sleep,
) -> RollbackOutcome:
    config = rt.config
    holder = pseudo_holder(MANUAL_HOLDER, to.value, rt.clock())
    try:
        rt.releases.acquire_lock(config.app, config.environment, holder, "manual", rt.execution_is_running)
    except ReleaseLockedError as exc:
        return RollbackOutcome(
            status=RollbackStatus.REFUSED,
            message=f"{exc}: stop that execution first (it would fight this flip), then run this again",
        )
    try:
        current = rt.colors.read()
        if expected_version is not None and current.version != expected_version:
            return RollbackOutcome(
                status=RollbackStatus.REFUSED,
                message=f"the parameter changed since you looked: it holds {current.color.value} "
                f"v{current.version}, not v{expected_version}; look again and re-run",
            )
        if current.color is to:
            flipped_from, version, flipped = None, current.version, False
        else:
            problems = previous_color_problems(rt, to)
            if problems:
                return RollbackOutcome(
                    status=RollbackStatus.REFUSED,
                    message=f"will not put traffic on {to.value}: " + "; ".join(problems),
                )
            flipped_from, version, flipped = current.color, rt.colors.write(to), True
        flipped_at = rt.clock()
    finally:
        rt.releases.release_lock(config.app, config.environment, holder)

    confirmed, views = wait_for_gateways(rt, to, version, flipped_at, sleep)
    gateways = "gateways confirmed" if confirmed else "the gateways did NOT confirm in time: check them now"
    release = _release_on(rt, flipped_from) if flipped_from is not None else None
    release_id = str(release["release_id"]) if release else None
    why = f"requested by {requested_by}" + (f": {reason}" if reason else "")
    if release_id is not None and flipped_from is not None:
        _record(
            rt, release_id, release or {}, to, flipped_from, version, why, requested_by, reason, confirmed
        )
    if flipped:
        rt.notifier.notify(
            Notification(
                "rolled_back",
                release_id or "manual",
                f"{config.domains.live} put on {to.value} by hand (parameter v{version}; {gateways}): {why}",
            )
        )
    status = RollbackStatus.ROLLED_BACK if flipped else RollbackStatus.ALREADY_ROLLED_BACK
    message = (
        f"{config.domains.live} is on {to.value} (parameter v{version}); {gateways}"
        if flipped
        else f"{config.domains.live} was already on {to.value} (parameter v{version}); {gateways}"
    )
    return RollbackOutcome(
        status=status,
        message=message,
        release_id=release_id,
        color=to,
        parameter_version=version,
        gateways_confirmed=confirmed,
        gateways=views,
    )


def _record(
    rt: Runtime,
    release_id: str,
    record: dict[str, Any],
    to: Color,
    flipped_from: Color,
    version: int,
    why: str,
    requested_by: str,
    reason: str | None,
    confirmed: bool,
) -> None:
    """The release that had put traffic on `flipped_from` is now rolled back, by hand."""
    config = rt.config
    fields: dict[str, Any] = {
        "active_color": to.value,
        "manual_rollback": {
            "by": requested_by,
            "reason": reason,
            "from": flipped_from.value,
            "to": to.value,
            "parameter_version": version,
            "gateways_confirmed": confirmed,
            "at": rt.clock(),
        },
    }
    if record.get("outcome") != Outcome.ROLLED_BACK.value:
        fields["previous_outcome"] = record.get("outcome")
        fields["outcome"] = Outcome.ROLLED_BACK.value
        fields["status"] = "ROLLED_BACK"
        fields["reason"] = f"rolled back by hand to {to.value}: {why} (was: {record.get('reason') or '-'})"
    recorded = rt.releases.update_record(release_id, fields, step="rolled_back_by_hand")
    release_metrics.rolled_back_after_release(rt, recorded, Trigger.MANUAL, before=record)
    rt.releases.mark_latest(config.app, config.environment, release_id, rolled_back_at=rt.clock())
