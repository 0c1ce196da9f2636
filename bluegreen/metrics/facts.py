"""What one release record says about delivery: a pure function of the record.

The emitters (bluegreen/metrics/release_metrics.py) and `bluegreen report` (bluegreen/metrics/
delivery.py) both read a release through `ReleaseFacts.of`, so the dashboard and the report count
the same things the same way:

- **went live**: the release switched traffic (`steps.switched`): a deployment to production.
- **live at**: when every live gateway confirmed the switch (`steps.gateways_confirmed`), else the
  switch itself.
- **lead time**: from the release's `commit_time` (`--commit-time`: the commit, or the pipeline's
  start) to live; none without a commit time (or one after the release went live).
- **failed change**: it went live and ended `rolled_back`, `rollback_failed` or `failed`, or was
  rolled back after its workflow (which rewrites the outcome to `rolled_back`).
- **restored**: a failed change whose record says traffic is back on the colour that was live
  before it; restored at the rollback's confirmation (in the workflow, after it, or by hand), else
  when the ending observed it.
- **phases**: from one step's stamp to the next (`PHASE_STEPS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from bluegreen.metrics.names import Phase
from bluegreen.models import Outcome
from bluegreen.records import ReleaseRecord

PHASE_STEPS: dict[Phase, tuple[str, tuple[str, ...]]] = {
    Phase.DEPLOY: ("prepared", ("deployed", "deploy_failed")),
    Phase.ROLLOUT: ("deployed", ("rolled_out", "rollout_failed")),
    Phase.SMOKE: ("rolled_out", ("smoke_tested",)),
    Phase.APPROVAL_WAIT: ("approval_requested", ("approved", "rejected", "timed_out")),
    Phase.SWITCH_PROPAGATION: ("switched", ("gateways_confirmed", "gateways_confirmed_timeout")),
    Phase.BAKE: ("gateways_confirmed", ("baked", "bake_alarm")),
}
"""(start step, end steps): the phase ends at the first of its end steps that was stamped."""

FAILED_IN_PRODUCTION = frozenset({Outcome.ROLLED_BACK, Outcome.ROLLBACK_FAILED, Outcome.FAILED})
RESTORE_STEPS = ("rollback_confirmed", "rolled_back_after_release", "rolled_back_by_hand")
FAILURE_ENDING_STEPS = ("failed", "rollback_failed", "rolled_back")
"""The steps the workflow's endings stamp for a failure (`steps.<outcome>`)."""


@dataclass(frozen=True)
class ReleaseFacts:
    release_id: str
    version: str | None
    created_at: datetime | None
    outcome: Outcome | None
    went_live: bool
    switched_at: datetime | None = None
    live_at: datetime | None = None
    commit_time: datetime | None = None
    lead_time: timedelta | None = None
    failed_change: bool = False
    rolled_back_at: datetime | None = None
    """When the parameter was first put back on the previous colour."""
    restored_at: datetime | None = None
    phases: dict[Phase, timedelta] = field(default_factory=dict)

    @property
    def time_to_restore(self) -> timedelta | None:
        if self.restored_at is None or self.switched_at is None:
            return None
        return _non_negative(self.restored_at - self.switched_at)

    @property
    def switch_to_rollback(self) -> timedelta | None:
        if self.rolled_back_at is None or self.switched_at is None:
            return None
        return _non_negative(self.rolled_back_at - self.switched_at)

    @property
    def category(self) -> str:
        """One word for the chart: live, failed (in production), stopped (before it), running."""
        if self.outcome is None:
            return "running"
        if self.failed_change:
            return "failed"
        if self.went_live:
            return "live"
        return "stopped"

    @classmethod
    def of(cls, record: ReleaseRecord) -> ReleaseFacts:
        steps = record.steps
        switched = steps.get("switched")
        went_live = switched is not None
        live_at = steps.get("gateways_confirmed") or switched
        commit = record.commit_time
        lead = _non_negative(live_at - commit) if went_live and live_at and commit else None
        failed = went_live and record.outcome in FAILED_IN_PRODUCTION
        return cls(
            release_id=record.release_id,
            version=record.version,
            created_at=record.created_at,
            outcome=record.outcome,
            went_live=went_live,
            switched_at=switched,
            live_at=live_at if went_live else None,
            commit_time=commit,
            lead_time=lead,
            failed_change=failed,
            rolled_back_at=_first_flip(record) if went_live else None,
            restored_at=_restored_at(record) if failed else None,
            phases=phase_durations(steps),
        )

    @classmethod
    def of_item(cls, item: dict[str, Any]) -> ReleaseFacts | None:
        """From a stored item; None when it is not a readable release record."""
        try:
            return cls.of(ReleaseRecord.from_item(item))
        except ValidationError:
            return None


def phase_durations(steps: dict[str, datetime]) -> dict[Phase, timedelta]:
    durations: dict[Phase, timedelta] = {}
    for phase, (start, ends) in PHASE_STEPS.items():
        began = steps.get(start)
        ended = next((steps[end] for end in ends if end in steps), None)
        if began is not None and ended is not None and ended >= began:
            durations[phase] = ended - began
    return durations


def failure_ending_recorded(record: ReleaseRecord) -> bool:
    """The workflow's ending already recorded this release as failed (and so counted it)."""
    return any(step in record.steps for step in FAILURE_ENDING_STEPS)


def _non_negative(delta: timedelta) -> timedelta | None:
    return delta if delta >= timedelta(0) else None


def _extra_time(record: ReleaseRecord, name: str) -> tuple[datetime | None, dict[str, Any]]:
    value = (record.model_extra or {}).get(name)
    if not isinstance(value, dict):
        return None, {}
    at = value.get("at")
    if isinstance(at, str):
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            return None, value
        return (moment if moment.tzinfo else None), value
    return (at if isinstance(at, datetime) else None), value


def _first_flip(record: ReleaseRecord) -> datetime | None:
    """The first time the parameter went back to the previous colour: the workflow's Rollback (when it
    flipped), the rollback after the workflow, or the one by hand."""
    flips: list[datetime] = []
    at, rollback = _extra_time(record, "rollback")
    if at is not None and rollback.get("flipped") is not False:
        flips.append(at)
    manual, _ = _extra_time(record, "manual_rollback")
    if manual is not None:
        flips.append(manual)
    return min(flips) if flips else None


def _restored_at(record: ReleaseRecord) -> datetime | None:
    before = record.colors.before
    if before is None or record.active_color is not before:
        return None  # traffic is not (known to be) back
    stamps = [record.steps[step] for step in RESTORE_STEPS if step in record.steps]
    if stamps:
        return min(stamps)
    return record.finished_at
