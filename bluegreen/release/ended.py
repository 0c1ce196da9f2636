"""ExecutionEnded: the way out that runs no state of the workflow.

An execution stopped by a person (StopExecution), timed out as a whole, or failed inside a
recording step (Finish, RecordFailure) ends without a recorded outcome. An EventBridge rule on the
state machine's status changes calls this, so that such a release too leaves the lock released,
its pending approval closed (the task token deleted) and its record complete — with the outcome
reconstructed from where traffic is: a release that baked but could not record it is `succeeded`
(and its rollback window armed), a stop after the switch says the new colour is live, unbaked.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from bluegreen.metrics import release_metrics
from bluegreen.models import FAILURE_NOT_RECORDED, FINISH_NOT_RECORDED, Outcome, release_id_of
from bluegreen.records import RecordedEnding, ReleaseRecord
from bluegreen.release.endings import Ending, Observed, ReleaseColors, judge, where_traffic_is
from bluegreen.release.finish import arm_rollback_window, ending_notification
from bluegreen.release.traffic import observe_traffic
from bluegreen.runtime import Runtime

ENDED_WITHOUT_RECORD = {"ABORTED": Outcome.ABORTED, "TIMED_OUT": Outcome.FAILED, "FAILED": Outcome.FAILED}


class ExecutionStatusChange(BaseModel):
    """The `detail` of a "Step Functions Execution Status Change" event."""

    model_config = ConfigDict(extra="ignore")

    executionArn: str
    status: str
    error: str | None = None
    cause: str | None = None


def _execution(rt: Runtime, execution_arn: str) -> dict[str, Any]:
    try:
        return rt.steps().describe(execution_arn)
    except Exception:
        return {}


def _restored_record(change: ExecutionStatusChange, rt: Runtime) -> ReleaseRecord | None:
    """A record for an execution that has none (deleted during the release): from its input."""
    execution = _execution(rt, change.executionArn)
    try:
        raw = json.loads(execution.get("input") or "null")
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        return None
    config = rt.config
    release_id = release_id_of(change.executionArn)
    rt.releases.create_record(
        release_id,
        {
            "app": config.app,
            "environment": config.environment,
            "execution_arn": change.executionArn,
            "version": raw.get("version") if isinstance(raw.get("version"), str) else None,
            "triggered_by": raw.get("triggered_by") if isinstance(raw.get("triggered_by"), str) else None,
            "restored": "the record was missing when the execution ended",
        },
    )
    return rt.releases.get(release_id)


def _colors(record: ReleaseRecord) -> ReleaseColors | None:
    before, target = record.colors.before, record.target
    version = record.parameter_versions.before
    if before is None or target is None or version is None:
        return None
    return ReleaseColors(before, target, version)


def execution_ended(change: ExecutionStatusChange, rt: Runtime, reason: str | None = None) -> str | None:
    """Complete what the workflow could not; returns the outcome recorded, or None if nothing was due."""
    cause = ENDED_WITHOUT_RECORD.get(change.status)
    if cause is None:
        return None
    config = rt.config
    released = rt.releases.release_lock(config.app, config.environment, change.executionArn)
    release_id = release_id_of(change.executionArn)
    record = rt.releases.get(release_id)
    if record is not None and record.outcome is not None:
        return None  # the workflow recorded its own end
    if record is None:
        record = _restored_record(change, rt)
        if record is None:
            return None  # never started a release
    error = change.error
    if change.status == "FAILED" and error is None:
        error = _execution(rt, change.executionArn).get("error")
    colors = _colors(record)
    observed = observe_traffic(rt)
    now = rt.clock()
    if error == FINISH_NOT_RECORDED and colors is not None and observed.color is colors.target:
        ending, status = _baked(record, colors, observed, rt), "SUCCEEDED"
    else:
        undo_expected = error == FAILURE_NOT_RECORDED and (
            "switched" in record.steps or (colors is not None and observed.color is colors.target)
        )
        text = reason or f"the execution ended {change.status} without recording an outcome"
        if error and not reason:
            text += f" ({error}{': ' + change.cause if change.cause else ''})"
        ending = judge(cause, text, colors, observed, config.domains.live, undo_expected=undo_expected)
        status = change.status
    closes = None
    if ending.traffic_on_target and colors is not None and observed.parameter is not None:
        closes = arm_rollback_window(
            rt,
            release_id=release_id,
            version=record.version,
            before=colors.before,
            after=colors.target,
            switch_version=record.parameter_versions.switch or observed.parameter.version,
            now=now,
        )
    closed = None
    if record.approval is not None and record.approval.pending and record.approval.approval_id:
        rt.releases.close_approval(record.approval.approval_id)
        closed = {
            **record.approval.model_dump(mode="json", exclude_none=True),
            "status": ending.outcome.value,
        }
    recorded = rt.releases.record_ending(
        release_id,
        RecordedEnding(
            outcome=ending.outcome,
            status=status,
            reason=ending.reason,
            traffic=ending.traffic,
            active_color=ending.live_color,
            finished_at=now,
            scale_down_after=closes,
            approval=closed,
            lock_released_by="execution_ended" if released else None,
        ),
    )
    rt.notifier.notify(ending_notification(release_id, ending, rt, colors.before if colors else None))
    release_metrics.release_ended(rt, recorded)
    return ending.outcome.value


def _baked(record: ReleaseRecord, colors: ReleaseColors, observed: Observed, rt: Runtime) -> Ending:
    """Finish failed after the bake: the release is live on its colour and succeeded."""
    traffic = where_traffic_is(observed, rt.config.domains.live)
    reason = (
        f"{record.version} is live on {colors.target.value} and baked; Finish could not record it, "
        f"so this was recorded from the parameter and the gateways; {traffic}"
    )
    return Ending(Outcome.SUCCEEDED, reason, traffic, observed.color, traffic_on_target=True)
