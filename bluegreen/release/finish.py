"""Finish and RecordFailure: every way out of the workflow releases the lock and completes the record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from bluegreen.adapters.notify import Notification
from bluegreen.errors import ActiveColorError
from bluegreen.models import (
    CaughtError,
    ConfirmResult,
    FinishResult,
    Outcome,
    ReleaseContext,
    RollbackResult,
    SwitchResult,
)
from bluegreen.release.failure import classify, error_reason
from bluegreen.release.prepare import release_id_of
from bluegreen.runtime import Runtime


class FinalState(BaseModel):
    """The execution state as it stands when the workflow ends; anything may be missing."""

    model_config = ConfigDict(extra="ignore")

    input: Any = None
    release: ReleaseContext | None = None
    switch: SwitchResult | None = None
    rollback: RollbackResult | None = None
    rollback_gateways: ConfirmResult | None = None
    error: CaughtError | None = None
    failed_step: str | None = None


def finish(context: ReleaseContext, switch: SwitchResult, rt: Runtime) -> FinishResult:
    now = rt.clock()
    window = timedelta(minutes=rt.config.rollback.window_minutes)
    rt.releases.release_lock(context.app, context.environment, context.execution_arn)
    rt.releases.update_record(
        context.release_id,
        {
            "status": "SUCCEEDED",
            "outcome": Outcome.SUCCEEDED.value,
            "finished_at": now,
            "active_color": switch.new_color.value,
            "scale_down_after": now + window,
        },
        step="finished",
    )
    rt.releases.set_latest(  # what a rollback after the workflow undoes, found without a scan
        context.app,
        context.environment,
        {
            "release_id": context.release_id,
            "version": context.version,
            "color_before": switch.previous_color.value,
            "color_after": switch.new_color.value,
            "switch_parameter_version": switch.parameter_version,
            "finished_at": now,
            "scale_down_after": now + window,
        },
    )
    rt.notifier.notify(
        Notification(
            "succeeded",
            context.release_id,
            f"{context.app}/{context.environment} {context.version} is live on {switch.new_color.value}; "
            f"{switch.previous_color.value} stays up for rollback until {(now + window).isoformat()}",
        )
    )
    return FinishResult(
        release_id=context.release_id, outcome=Outcome.SUCCEEDED, active_color=switch.new_color
    )


def _live_color(rt: Runtime) -> str | None:
    try:
        return rt.colors.read().color.value
    except ActiveColorError:
        return None


def record_failure(state: FinalState, execution_arn: str, rt: Runtime) -> FinishResult:
    config = rt.config
    context = state.release
    release_id = context.release_id if context else release_id_of(execution_arn)
    outcome = classify(state.error, state.failed_step, rolled_back=state.rollback is not None)
    reason = error_reason(state.error)
    if state.rollback_gateways is not None and not state.rollback_gateways.confirmed:
        reason += "; the gateways did not confirm the rollback in time: check them now"
    now = rt.clock()
    if context is None:  # refused in Prepare: no record yet
        raw = state.input if isinstance(state.input, dict) else {}
        rt.releases.create_record(
            release_id,
            {
                "app": config.app,
                "environment": config.environment,
                "execution_arn": execution_arn,
                "version": raw.get("version") if isinstance(raw.get("version"), str) else None,
                "triggered_by": raw.get("triggered_by") if isinstance(raw.get("triggered_by"), str) else None,
                "created_at": now,
            },
        )
    rt.releases.release_lock(config.app, config.environment, execution_arn)
    record = rt.releases.get_record(release_id) or {}
    approval = record.get("approval") or {}
    fields: dict[str, Any] = {
        "status": "FAILED" if outcome is not Outcome.ROLLED_BACK else "ROLLED_BACK",
        "outcome": outcome.value,
        "reason": reason,
        "error_type": state.error.Error if state.error else None,
        "finished_at": now,
        "active_color": _live_color(rt),
    }
    if outcome is Outcome.REJECTED and approval.get("by"):
        # The decision as recorded by the decide handler (the task failure's cause says the same on
        # AWS; moto 5.2 drops that cause, so the record is the one source both agree on).
        fields["reason"] = (
            f"rejected by {approval['by']} via {approval.get('via', '?')}: "
            f"{approval.get('reason') or 'no reason given'}"
        )
    if approval.get("status") == "pending" and approval.get("approval_id"):
        rt.releases.close_approval(str(approval["approval_id"]))  # the token dies with the release
        fields["approval"] = {**approval, "status": outcome.value}
    rt.releases.update_record(release_id, fields, step=outcome.value)
    rt.notifier.notify(
        Notification(
            outcome.value,
            release_id,
            f"{config.app}/{config.environment} release {release_id} {outcome.value}: {reason}",
        )
    )
    return FinishResult(release_id=release_id, outcome=outcome, reason=reason)
