"""What the releases table stores, as typed models: one place for the shapes every step, the CLI and
Slack read and write.

- `ReleaseRecord` (`RELEASE#<id>`): who, what, colours, steps, approval, outcome. Read as a model;
  written by `ReleaseStore` methods that take typed values.
- `LatestRelease` (`LATEST#<app>#<env>`): the last release that put traffic on its colour, which the
  rollback after the workflow undoes and the scale-down retires; `window_phase` says where it is.
- `PendingApproval` (`APPROVAL#<approval id>`): a release waiting for people, with the task token
  that resumes it and the votes so far.
- `Outcome` (bluegreen/models.py) is how a release ended; it carries its exit code and Fail state.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bluegreen.colors import Color
from bluegreen.models import Outcome

__all__ = [
    "ApprovalState",
    "LatestRelease",
    "Outcome",
    "PendingApproval",
    "RecordedEnding",
    "ReleaseRecord",
    "WindowPhase",
    "window_phase",
]


class Stored(BaseModel):
    """A stored item: unknown attributes are kept (older and newer writers), types are checked."""

    model_config = ConfigDict(extra="allow", frozen=True)


class ReleaseColors(Stored):
    before: Color | None = None
    target: Color | None = None
    after: Color | None = None


class ParameterVersions(Stored):
    before: int | None = None
    switch: int | None = None


class ApprovalState(Stored):
    """`approval` in the record: where the release's approval stands."""

    status: str | None = None  # pending | approved | rejected | timed_out | aborted | ...
    approval_id: str | None = None
    requested_at: datetime | None = None
    decided_at: datetime | None = None
    by: str | None = None
    person: str | None = None
    via: str | None = None
    reason: str | None = None
    votes: list[dict[str, Any]] = Field(default_factory=list)
    rejected_by: dict[str, Any] | None = None
    """The rejecting identity (door, evidence, person), as `Identity` records it."""

    @property
    def pending(self) -> bool:
        return self.status == "pending" and bool(self.approval_id)

    def fields(self) -> dict[str, Any]:
        """The record's `approval` attribute (replaced whole: carry over what it had, `model_copy`)."""
        return {"approval": self.model_dump(exclude_none=True)}


class ReleaseRecord(Stored):
    release_id: str
    app: str | None = None
    environment: str | None = None
    execution_arn: str | None = None
    status: str | None = None
    version: str | None = None
    images: dict[str, str] = Field(default_factory=dict)
    triggered_by: str | None = None
    change_ref: str | None = None
    commit_time: datetime | None = None
    """When the change was made (the commit, or the pipeline's start): where lead time starts."""
    colors: ReleaseColors = Field(default_factory=ReleaseColors)
    parameter_versions: ParameterVersions = Field(default_factory=ParameterVersions)
    created_at: datetime | None = None
    steps: dict[str, datetime] = Field(default_factory=dict)
    approval: ApprovalState | None = None
    outcome: Outcome | None = None
    reason: str | None = None
    traffic: str | None = None
    active_color: Color | None = None
    finished_at: datetime | None = None
    scale_down_after: datetime | None = None

    @property
    def target(self) -> Color | None:
        return self.colors.target or self.colors.after

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ReleaseRecord:
        return cls.model_validate(item)


class RecordedEnding(Stored):
    """What every ending writes into the record (Finish, RecordFailure, ExecutionEnded, the
    rollbacks after the workflow): the outcome, why, and where traffic is."""

    outcome: Outcome
    status: str
    reason: str
    finished_at: datetime
    traffic: str | None = None
    active_color: Color | None = None
    error_type: str | None = None
    rollback_error: dict[str, Any] | None = None
    scale_down_after: datetime | None = None
    approval: dict[str, Any] | None = None
    lock_released_by: str | None = None

    def fields(self) -> dict[str, Any]:
        """The attributes to set (None leaves an attribute as it is)."""
        return self.model_dump(mode="json", exclude_none=True)


class LatestRelease(Stored):
    """The pointer at the last release that put traffic on its colour (`LATEST#<app>#<env>`)."""

    release_id: str
    version: str | None = None
    color_before: Color
    color_after: Color
    switch_parameter_version: int
    finished_at: datetime | None = None
    scale_down_after: datetime
    rolled_back_at: datetime | None = None
    scaled_down_at: datetime | None = None
    superseded_by: str | None = None


class WindowPhase(StrEnum):
    """Where the latest release's rollback window stands (a pure function of the pointer and now)."""

    OPEN = "open"
    """Rollback armed: an alarm or a person may put traffic back; the old colour stays up."""
    EXPIRED = "expired"
    """The window passed: no rollback; the old colour is due to be scaled down."""
    SCALED_DOWN = "scaled_down"
    ROLLED_BACK = "rolled_back"
    SUPERSEDED = "superseded"
    """A newer release started: it redeploys the old colour, so neither rollback nor scale-down."""

    @property
    def armed(self) -> bool:
        return self is WindowPhase.OPEN


REASON_OPEN = "the rollback window of release {release} is open until {closes}: {old} stays up"
REASON_EXPIRED = (
    "the rollback window of release {release} closed at {closes}; {old} is being scaled down: "
    "release the previous version instead"
)
REASON_SCALED_DOWN = (
    "the rollback window of release {release} closed: {old} was scaled down at {at}; "
    "release the previous version instead"
)
REASON_ROLLED_BACK = "release {release} was already rolled back to {old} at {at}"
REASON_SUPERSEDED = "release {newer} started after release {release} and redeploys {old}"


def window_phase(latest: LatestRelease, now: datetime) -> tuple[WindowPhase, str]:
    """(phase, reason a person can read). Order matters: what happened beats what the clock says."""
    names = {
        "release": latest.release_id,
        "old": latest.color_before.value,
        "closes": latest.scale_down_after.isoformat(),
    }
    if latest.rolled_back_at is not None:
        return WindowPhase.ROLLED_BACK, REASON_ROLLED_BACK.format(
            **names, at=latest.rolled_back_at.isoformat()
        )
    if latest.superseded_by:
        return WindowPhase.SUPERSEDED, REASON_SUPERSEDED.format(**names, newer=latest.superseded_by)
    if latest.scaled_down_at is not None:
        return WindowPhase.SCALED_DOWN, REASON_SCALED_DOWN.format(
            **names, at=latest.scaled_down_at.isoformat()
        )
    if now >= latest.scale_down_after:
        return WindowPhase.EXPIRED, REASON_EXPIRED.format(**names)
    return WindowPhase.OPEN, REASON_OPEN.format(**names)


class PendingApproval(Stored):
    """A release waiting for people (`APPROVAL#<approval id>`, deleted when decided or ended).

    The approval id is the only handle people see; the task token never leaves AWS and is kept out
    of this model's repr, so a logged or printed approval does not carry it."""

    approval_id: str
    release_id: str
    task_token: str = Field(repr=False)
    execution_arn: str | None = None
    triggered_by: str | None = None
    trigger: dict[str, Any] | None = None
    """Who started the release, as Prepare recorded it (an `Identity`)."""
    required_approvals: int = 1
    requested_at: datetime | None = None
    idle_namespace: str | None = None
    idle_snapshot: dict[str, Any] = Field(default_factory=dict)
    """What was approved: each idle Deployment's images and generation when approval was asked."""
    approvals: list[dict[str, Any]] = Field(default_factory=list)
    """The votes so far (person, door, evidence), one per person."""
    voters: list[str] = Field(default_factory=list)
    expires_at: int
    """Epoch seconds: the table's TTL attribute."""

    def item(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> PendingApproval:
        return cls.model_validate({k: v for k, v in item.items() if k != "pk"})
