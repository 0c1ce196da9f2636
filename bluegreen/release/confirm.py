"""ConfirmGateways: one poll of the acknowledgements (the workflow's Wait -> Confirm -> Choice loop)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from bluegreen.colors import Color
from bluegreen.errors import GatewaysNotConfirmedError
from bluegreen.metrics import release_metrics
from bluegreen.models import ConfirmResult
from bluegreen.release.gateways import evaluate_confirmation
from bluegreen.runtime import Runtime


class OnTimeout(StrEnum):
    FAIL = "fail"  # after a switch: raise, and the workflow rolls back
    REPORT = "report"  # after a rollback: say so in the record, there is nowhere further to go


def confirm_gateways(
    release_id: str,
    target: Color,
    version: int,
    since: datetime,
    on_timeout: OnTimeout,
    rt: Runtime,
) -> ConfirmResult:
    gateways = rt.config.gateways
    now = rt.clock()
    acks = rt.require_acks().all()
    confirmation = evaluate_confirmation(
        acks,
        target=target,
        version=version,
        now=now,
        liveness_seconds=gateways.liveness_seconds,
        min_live=gateways.min_live,
    )
    step = "gateways_confirmed" if on_timeout is OnTimeout.FAIL else "rollback_confirmed"
    if confirmation.confirmed:
        rt.releases.update_record(
            release_id, {"gateways": [v.model_dump() for v in confirmation.views]}, step=step
        )
        if on_timeout is OnTimeout.FAIL:  # the switch (a rollback's propagation is in its time to restore)
            release_metrics.gateways_confirmed(rt, release_id, acks, version, since)
        return ConfirmResult(confirmed=True, confirmed_at=now, gateways=confirmation.views)
    if now < since + timedelta(seconds=gateways.confirm_timeout_seconds):
        return ConfirmResult(confirmed=False, gateways=confirmation.views)
    message = (
        f"gateways did not confirm {target.value} v{version} within {gateways.confirm_timeout_seconds}s: "
    )
    message += confirmation.reason
    rt.releases.update_record(
        release_id,
        {"gateways": [v.model_dump() for v in confirmation.views], f"{step}_timeout": message},
        step=f"{step}_timeout",
    )
    if on_timeout is OnTimeout.FAIL:
        raise GatewaysNotConfirmedError(message)
    return ConfirmResult(confirmed=False, timed_out=True, gateways=confirmation.views)
