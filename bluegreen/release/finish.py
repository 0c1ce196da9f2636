"""Finish and RecordFailure: every way out of the workflow releases the lock and completes the record.

What is recorded, returned (the final Choice picks the Fail state from it) and announced is derived
from where traffic is (bluegreen/release/endings.py), not from the path the workflow took.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from bluegreen.adapters.notify import Notification
from bluegreen.colors import Color
from bluegreen.metrics import release_metrics
from bluegreen.models import (
    CaughtError,
    ConfirmResult,
    FinishResult,
    Outcome,
    ReleaseContext,
    RollbackResult,
    SwitchResult,
    release_id_of,
)
from bluegreen.records import ApprovalState, LatestRelease, RecordedEnding
from bluegreen.release.endings import Ending, ReleaseColors, judge
from bluegreen.release.failure import cause_outcome, error_reason
from bluegreen.release.records import record_fields
from bluegreen.release.traffic import observe_traffic
from bluegreen.runtime import Runtime


class FinalState(BaseModel):
    """The execution state as it stands when the workflow ends; anything may be missing."""

    model_config = ConfigDict(extra="ignore")

    input: Any = None
    release: ReleaseContext | None = None
    switch: SwitchResult | None = None
    rollback: RollbackResult | None = None
    rollback_gateways: ConfirmResult | None = None
    rollback_error: CaughtError | None = None
    error: CaughtError | None = None
    failed_step: str | None = None

    @property
    def reached_rollback(self) -> bool:
        """The workflow went through Rollback: the switch (or an attempt at it) had to be undone."""
        return self.switch is not None or self.rollback is not None or self.rollback_error is not None


def arm_rollback_window(
    rt: Runtime,
    *,
    release_id: str,
    version: str | None,
    before: Color,
    after: Color,
    switch_version: int,
    now: datetime,
) -> datetime:
    """Point the rollback after the workflow at this release: while its window is open, an alarm
    (or `bluegreen rollback`) puts traffic back on `before`. Returns when the window closes."""
    closes = now + timedelta(minutes=rt.config.rollback.window_minutes)
    rt.releases.set_latest(
        rt.config.app,
        rt.config.environment,
        LatestRelease(
            release_id=release_id,
            version=version,
            color_before=before,
            color_after=after,
            switch_parameter_version=switch_version,
            finished_at=now,
            scale_down_after=closes,
        ),
    )
    return closes


def finish(context: ReleaseContext, switch: SwitchResult, rt: Runtime) -> FinishResult:
    now = rt.clock()
    rt.releases.create_record(context.release_id, record_fields(context, now))  # deleted meanwhile: restore
    closes = arm_rollback_window(
        rt,
        release_id=context.release_id,
        version=context.version,
        before=switch.previous_color,
        after=switch.new_color,
        switch_version=switch.parameter_version,
        now=now,
    )
    recorded = rt.releases.record_ending(
        context.release_id,
        RecordedEnding(
            outcome=Outcome.SUCCEEDED,
            status="SUCCEEDED",
            reason=f"{context.version} is live on {switch.new_color.value}, baked",
            traffic=(
                f"{rt.config.domains.live} is on {switch.new_color.value} "
                f"(parameter v{switch.parameter_version})"
            ),
            active_color=switch.new_color,
            finished_at=now,
            scale_down_after=closes,
        ),
        step="finished",
    )
    rt.releases.release_lock(context.app, context.environment, context.execution_arn)
    rt.notifier.notify(
        Notification(
            "succeeded",
            context.release_id,
            f"{context.app}/{context.environment} {context.version} is live on {switch.new_color.value}; "
            f"{switch.previous_color.value} stays up for rollback until {closes.isoformat()}",
        )
    )
    release_metrics.release_ended(rt, recorded)
    return FinishResult(
        release_id=context.release_id, outcome=Outcome.SUCCEEDED, active_color=switch.new_color
    )


def close_pending_approval(
    rt: Runtime, approval: ApprovalState | None, outcome: Outcome
) -> dict[str, Any] | None:
    """The token dies with the release: delete a pending approval; returns the record's new
    `approval` (None when nothing was pending)."""
    if approval is None or not approval.pending or not approval.approval_id:
        return None
    rt.releases.close_approval(approval.approval_id)
    return {**approval.model_dump(mode="json", exclude_none=True), "status": outcome.value}


def ending_notification(release_id: str, ending: Ending, rt: Runtime, before: Color | None) -> Notification:
    """What people are told. A failed rollback is announced loudly, with what to do now."""
    config = rt.config
    text = f"{config.app}/{config.environment} release {release_id} {ending.outcome.value}: {ending.reason}"
    if ending.outcome is Outcome.ROLLBACK_FAILED:
        back_to = before.value if before else "the previous colour"
        text = (
            f":rotating_light: ROLLBACK FAILED for {config.app}/{config.environment} release {release_id}. "
            f"{ending.traffic}. Act now: `bluegreen rollback --to {back_to}` puts traffic back "
            f"(runbook: 'A rollback failed'). Cause: {ending.reason}"
        )
    return Notification(ending.outcome.value, release_id, text, {"traffic": ending.traffic})


def record_failure(state: FinalState, execution_arn: str, rt: Runtime) -> FinishResult:
    config = rt.config
    context = state.release
    release_id = context.release_id if context else release_id_of(execution_arn)
    now = rt.clock()
    colors = (
        ReleaseColors(context.active_color, context.idle_color, context.parameter_version)
        if context
        else None
    )
    observed = observe_traffic(rt)
    ending = judge(
        cause_outcome(state.error, state.failed_step),
        error_reason(state.error),
        colors,
        observed,
        config.domains.live,
        undo_expected=state.reached_rollback,
        rollback_confirmed=bool(state.rollback_gateways and state.rollback_gateways.confirmed),
        rollback_error=error_reason(state.rollback_error) if state.rollback_error else None,
    )
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
    else:
        rt.releases.create_record(release_id, record_fields(context, now))  # deleted meanwhile: restore
    record = rt.releases.get(release_id)
    approval = record.approval if record is not None else None
    if ending.outcome is Outcome.REJECTED and approval is not None and approval.by:
        # The decision as recorded by the decide handler (the task failure's cause says the same on
        # AWS; moto 5.2 drops that cause, so the record is the one source both agree on).
        reason = (
            f"rejected by {approval.by} via {approval.via or '?'}: {approval.reason or 'no reason given'}"
        )
        ending = Ending(ending.outcome, f"{reason}; {ending.traffic}", ending.traffic, ending.live_color)
    closed = close_pending_approval(rt, approval, ending.outcome)
    closes = None
    if ending.traffic_on_target and context is not None and observed.parameter is not None:
        # The new colour serves traffic without having finished: keep the rollback armed.
        closes = arm_rollback_window(
            rt,
            release_id=release_id,
            version=context.version,
            before=context.active_color,
            after=context.idle_color,
            switch_version=observed.parameter.version,
            now=now,
        )
    rollback_error = state.rollback_error
    failed_rollback = (
        {"type": rollback_error.Error, "reason": error_reason(rollback_error)} if rollback_error else None
    )
    recorded = rt.releases.record_ending(
        release_id,
        RecordedEnding(
            outcome=ending.outcome,
            status=ending.outcome.value.upper(),
            reason=ending.reason,
            traffic=ending.traffic,
            active_color=ending.live_color,
            finished_at=now,
            error_type=state.error.Error if state.error else None,
            rollback_error=failed_rollback,
            scale_down_after=closes,
            approval=closed,
        ),
    )
    rt.releases.release_lock(config.app, config.environment, execution_arn)
    rt.notifier.notify(ending_notification(release_id, ending, rt, context.active_color if context else None))
    release_metrics.release_ended(rt, recorded)
    return FinishResult(release_id=release_id, outcome=ending.outcome, reason=ending.reason)
