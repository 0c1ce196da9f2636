"""ExecutionEnded: the way out that runs no state of the workflow.

An execution stopped by a person (StopExecution), timed out as a whole, or failed inside the
recording step ends without RecordFailure. An EventBridge rule on the state machine's status
changes calls this, so that such a release too leaves the lock released, its pending approval
closed (the task token deleted) and its record complete.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bluegreen.adapters.notify import Notification
from bluegreen.models import Outcome
from bluegreen.release.prepare import release_id_of
from bluegreen.runtime import Runtime

ENDED_WITHOUT_RECORD = {"ABORTED": Outcome.ABORTED, "TIMED_OUT": Outcome.FAILED, "FAILED": Outcome.FAILED}


class ExecutionStatusChange(BaseModel):
    """The `detail` of a "Step Functions Execution Status Change" event."""

    model_config = ConfigDict(extra="ignore")

    executionArn: str
    status: str


def execution_ended(change: ExecutionStatusChange, rt: Runtime, reason: str | None = None) -> str | None:
    """Complete what the workflow could not; returns the outcome recorded, or None if nothing was due."""
    outcome = ENDED_WITHOUT_RECORD.get(change.status)
    if outcome is None:
        return None
    config = rt.config
    released = rt.releases.release_lock(config.app, config.environment, change.executionArn)
    release_id = release_id_of(change.executionArn)
    record = rt.releases.get_record(release_id)
    if record is None or record.get("outcome"):
        return None  # the workflow recorded its own end (or never started one)
    approval = record.get("approval") or {}
    fields: dict[str, object] = {
        "status": change.status,
        "outcome": outcome.value,
        "reason": reason or f"the execution ended {change.status} without recording an outcome",
        "finished_at": rt.clock(),
        "lock_released_by": "execution_ended" if released else None,
    }
    try:
        fields["active_color"] = rt.colors.read().color.value
    except Exception:
        fields["active_color"] = None
    if approval.get("status") == "pending" and approval.get("approval_id"):
        rt.releases.close_approval(str(approval["approval_id"]))
        fields["approval"] = {**approval, "status": outcome.value}
    rt.releases.update_record(release_id, fields, step=outcome.value)
    rt.notifier.notify(
        Notification(
            outcome.value,
            release_id,
            f"{config.app}/{config.environment} release {release_id} ended {change.status}; "
            f"{config.domains.live} is on {fields['active_color']}: check it",
        )
    )
    return outcome.value
