"""How a release ended, judged from where traffic is: the parameter's value and version, and what
the gateways acknowledge. Pure functions; bluegreen/release/traffic.py gathers the facts.

The workflow's path says what was *meant* to happen (an alarm during the bake meant "roll back");
only the facts say whether it did. A release whose switch had to be undone reports `rolled_back`
or `failed` only when the parameter can be read, is back on the colour that was live before, and
no live gateway still serves the new colour; anything else is `rollback_failed`, however the path
got there.
"""

from __future__ import annotations

from dataclasses import dataclass

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.colors import Color
from bluegreen.models import Outcome
from bluegreen.release.gateways import Confirmation, describe_views


@dataclass(frozen=True)
class ReleaseColors:
    """The colours of one release: live before it, the one it deployed to, and the parameter
    version that said `before` when it started."""

    before: Color
    target: Color
    before_version: int


@dataclass(frozen=True)
class Observed:
    """Where traffic is, as read when the release ends."""

    parameter: ActiveColor | None
    parameter_error: str | None = None
    gateways: Confirmation | None = None
    """The acknowledgements judged against the parameter's colour and version (None: unreadable)."""
    gateways_error: str | None = None

    @property
    def color(self) -> Color | None:
        return self.parameter.color if self.parameter else None


@dataclass(frozen=True)
class Ending:
    outcome: Outcome
    reason: str
    traffic: str
    """One line: where traffic is, as observed."""
    live_color: Color | None
    traffic_on_target: bool = False
    """The release's colour serves traffic: the rollback window must stay armed."""


def where_traffic_is(observed: Observed, domain: str) -> str:
    if observed.parameter is None:
        return (
            f"where {domain} points is unknown: the parameter could not be read ({observed.parameter_error})"
        )
    parameter = observed.parameter
    text = f"{domain} is on {parameter.color.value} (parameter v{parameter.version}"
    gateways = observed.gateways
    if gateways is None:
        return text + f"; gateway acknowledgements unreadable: {observed.gateways_error})"
    lagging = gateways.lagging(parameter.color, parameter.version)
    if lagging:
        return text + f"; not yet served by {describe_views(lagging)})"
    if not gateways.live:
        return text + "; no live gateway acknowledges it)"
    names = ", ".join(v.gateway_id for v in gateways.live)
    return text + f"; served by {names})"


def _undo_failure(release: ReleaseColors, observed: Observed, rollback_confirmed: bool) -> str | None:
    """Why the switch is not undone, or None when nothing says traffic is off `release.before`.

    Evidence of traffic on the new colour: the parameter says so, or a live gateway serves it.
    A parameter nobody can read is no evidence of anything, so it is not an undone switch either.
    A gateway holding the old colour at an older version still serves the old colour; silent
    gateways serve nobody (the traffic line says so).
    """
    parameter = observed.parameter
    if parameter is None:
        return "the parameter could not be read, so the rollback cannot be confirmed"
    if parameter.color is release.target:
        return f"traffic is still on {release.target.value}"
    if parameter.version <= release.before_version or rollback_confirmed or observed.gateways is None:
        return None
    wrong = [v for v in observed.gateways.live if v.color != release.before.value]
    if wrong:
        return f"the parameter is back on {release.before.value} but {describe_views(wrong)}"
    return None


def judge(
    cause: Outcome,
    reason: str,
    release: ReleaseColors | None,
    observed: Observed,
    domain: str,
    *,
    undo_expected: bool,
    rollback_confirmed: bool = False,
    rollback_error: str | None = None,
) -> Ending:
    """The ending of a release that did not succeed.

    `cause` is what the workflow's path says (refused, failed, rejected, rolled back, ...);
    `undo_expected` is whether its switch had to be undone (it reached Rollback). The facts win:
    an undo that did not happen is `rollback_failed`.
    """
    traffic = where_traffic_is(observed, domain)
    color = observed.color
    on_target = release is not None and color is release.target
    if release is None or not undo_expected:
        parameter = observed.parameter
        if on_target and parameter is not None and release and parameter.version > release.before_version:
            traffic += f": the new version is live on {release.target.value}, its bake unfinished"
        return Ending(cause, f"{reason}; {traffic}", traffic, color, traffic_on_target=on_target)
    failure = _undo_failure(release, observed, rollback_confirmed)
    if failure is None:
        outcome = cause if cause in (Outcome.ROLLED_BACK, Outcome.FAILED) else Outcome.FAILED
        return Ending(outcome, f"{reason}; {traffic}", traffic, color)
    text = f"{reason}; ROLLBACK FAILED: {failure}"
    if rollback_error:
        text += f" (the rollback step failed: {rollback_error})"
    return Ending(Outcome.ROLLBACK_FAILED, f"{text}; {traffic}", traffic, color, traffic_on_target=True)
