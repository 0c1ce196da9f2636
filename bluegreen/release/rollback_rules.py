"""Whether a rollback after the workflow may flip traffic: pure functions of the request, the
latest-release pointer, the alarm's state and the parameter (no I/O; bluegreen/release/auto_rollback.py
gathers the facts and acts).

Each rule answers `GO` or a `Verdict` that stops the rollback with a status and a reason; a stop
that a person should hear about is recorded and notified (`record=True`), the rest (an alarm that
does not apply) only logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.adapters.alarms import ALARM
from bluegreen.colors import Color
from bluegreen.models import GatewayView
from bluegreen.records import LatestRelease, WindowPhase, window_phase


class RollbackStatus(StrEnum):
    ROLLED_BACK = "rolled_back"
    ALREADY_ROLLED_BACK = "already_rolled_back"
    REFUSED = "refused"
    IGNORED = "ignored"


class RollbackRequest(BaseModel):
    """Why a rollback is asked for: an alarm that changed state, or a person."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: Literal["alarm", "manual"]
    alarm_name: str | None = None
    alarm_state: str | None = None
    alarm_reason: str | None = None
    requested_by: str | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.source == "alarm":
            return f"alarm {self.alarm_name} is {self.alarm_state}" + (
                f" ({self.alarm_reason})" if self.alarm_reason else ""
            )
        return f"requested by {self.requested_by or 'an operator'}" + (
            f": {self.reason}" if self.reason else ""
        )


class RollbackOutcome(BaseModel):
    """What happened; `refused` and `ignored` carry the reason a person needs."""

    model_config = ConfigDict(frozen=True)

    status: RollbackStatus
    message: str
    release_id: str | None = None
    color: Color | None = None
    parameter_version: int | None = None
    gateways_confirmed: bool | None = None
    gateways: list[GatewayView] = []

    @property
    def refused(self) -> bool:
        return self.status is RollbackStatus.REFUSED


@dataclass(frozen=True)
class Verdict:
    status: RollbackStatus | None
    """None: nothing stops the flip."""
    message: str = ""
    record: bool = False

    @property
    def go(self) -> bool:
        return self.status is None


GO = Verdict(None)


def alarm_verdict(
    request: RollbackRequest, on_alarm: bool, watched: list[str], live: Color, state: str | None
) -> Verdict:
    """Only an alarm that guards the live colour and is ALARM now (not a stale event), and only if
    rollback on alarm is on. `state` is the alarm's state read just now."""
    if request.source != "alarm":
        return GO
    name = request.alarm_name or ""
    if not on_alarm:
        return Verdict(RollbackStatus.IGNORED, "rollback on alarm is off (rollback.on_alarm)")
    if name not in watched:
        return Verdict(RollbackStatus.IGNORED, f"alarm {name} does not watch the live colour {live.value}")
    if state != ALARM:
        return Verdict(RollbackStatus.IGNORED, f"alarm {name} is {state} now, not ALARM")
    return GO


def window_verdict(request: RollbackRequest, latest: LatestRelease, now: datetime) -> Verdict:
    phase, reason = window_phase(latest, now)
    if phase is WindowPhase.OPEN:
        return GO
    if phase is WindowPhase.ROLLED_BACK:
        return Verdict(RollbackStatus.ALREADY_ROLLED_BACK, reason)
    if phase is WindowPhase.SUPERSEDED and request.source == "alarm":
        # A newer release is running (its own bake answers alarms) or ended without finishing.
        return Verdict(
            RollbackStatus.IGNORED, f"{reason}: the workflow, not the rollback after it, answers this alarm"
        )
    if phase is WindowPhase.SUPERSEDED:
        return Verdict(
            RollbackStatus.REFUSED, f"{reason}: roll forward, or release the previous version", True
        )
    return Verdict(RollbackStatus.REFUSED, reason, True)


def flip_verdict(latest: LatestRelease, current: ActiveColor, problems: list[str], domain: str) -> Verdict:
    """Under the lock: flip only from the version the release switched to, onto a healthy colour."""
    before, after = latest.color_before, latest.color_after
    if current.color is before:
        return Verdict(
            RollbackStatus.ALREADY_ROLLED_BACK,
            f"{domain} is already on {before.value} (parameter v{current.version})",
        )
    if current.version != latest.switch_parameter_version:
        return Verdict(
            RollbackStatus.REFUSED,
            f"the parameter changed since release {latest.release_id} switched to {after.value} "
            f"v{latest.switch_parameter_version}: it holds {current.color.value} v{current.version}",
            True,
        )
    if problems:
        return Verdict(
            RollbackStatus.REFUSED, f"will not roll back to {before.value}: " + "; ".join(problems), True
        )
    return GO
