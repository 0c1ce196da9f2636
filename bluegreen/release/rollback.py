"""Rollback: put the parameter back on the colour that was live before the release."""

from __future__ import annotations

import logging
from datetime import datetime

from bluegreen.adapters.notify import Notification
from bluegreen.models import CaughtError, ReleaseContext, RollbackResult
from bluegreen.release.failure import error_reason
from bluegreen.runtime import Runtime

logger = logging.getLogger(__name__)


def rollback(context: ReleaseContext, error: CaughtError | None, rt: Runtime) -> RollbackResult:
    target = context.active_color
    current = rt.colors.read()
    if current.color != target:
        version, flipped = rt.colors.write(target), True
    else:
        version, flipped = current.version, False  # never switched, or already reverted
    now = rt.clock()
    reason = error_reason(error)
    try:
        _record(context, error, rt, reason, now, version, flipped)
    except Exception as exc:  # the flip is what matters: RecordFailure records the rollback from the state
        logger.warning("rollback not recorded (RecordFailure will): %s", exc)
    rt.notifier.notify(
        Notification(
            "rolling_back",
            context.release_id,
            f"{rt.config.domains.live} rolling back to {target.value} (parameter v{version}): {reason}",
        )
    )
    return RollbackResult(
        color=target, parameter_version=version, switched_at=now, reason=reason, flipped=flipped
    )


def _record(
    context: ReleaseContext,
    error: CaughtError | None,
    rt: Runtime,
    reason: str,
    now: datetime,
    version: int,
    flipped: bool,
) -> None:
    target = context.active_color
    rt.releases.update_record(
        context.release_id,
        {
            "rollback": {
                "reason": reason,
                "error_type": error.Error if error else None,
                "at": now,
                "parameter_version": version,
                "flipped": flipped,
                "color": target.value,
            }
        },
        step="rolled_back",
    )
