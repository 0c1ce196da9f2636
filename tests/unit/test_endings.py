"""An ending is judged from where traffic is, not from the path the workflow took (pure, no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.adapters.gateway_acks import GatewayAck
from bluegreen.colors import Color
from bluegreen.models import Outcome
from bluegreen.release.endings import Observed, ReleaseColors, judge
from bluegreen.release.gateways import evaluate_confirmation

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RELEASE = ReleaseColors(before=Color.BLUE, target=Color.GREEN, before_version=7)
DOMAIN = "myapp.com"


def observed(color: Color | None, version: int = 9, *acks: tuple[str, str, int, bool]) -> Observed:
    """`acks`: (gateway, colour, version, live)."""
    if color is None:
        return Observed(parameter=None, parameter_error="AccessDeniedException")
    gateways = [
        GatewayAck(gid, c, v, NOW if live else NOW - timedelta(minutes=5)) for gid, c, v, live in acks
    ]
    confirmation = evaluate_confirmation(
        gateways, target=color, version=version, now=NOW, liveness_seconds=10, min_live=1
    )
    return Observed(parameter=ActiveColor(color, version), gateways=confirmation)


def after_alarm(facts: Observed, rollback_confirmed: bool = False) -> Outcome:
    ending = judge(
        Outcome.ROLLED_BACK,
        "alarm 5xx is ALARM",
        RELEASE,
        facts,
        DOMAIN,
        undo_expected=True,
        rollback_confirmed=rollback_confirmed,
    )
    return ending.outcome


def test_a_rollback_confirmed_by_every_live_gateway_is_rolled_back() -> None:
    facts = observed(Color.BLUE, 9, ("gw-1", "blue", 9, True), ("gw-2", "blue", 9, True))
    ending = judge(Outcome.ROLLED_BACK, "alarm 5xx is ALARM", RELEASE, facts, DOMAIN, undo_expected=True)
    assert ending.outcome is Outcome.ROLLED_BACK
    assert "myapp.com is on blue (parameter v9; served by gw-1, gw-2)" in ending.reason
    assert not ending.traffic_on_target


def test_a_rollback_that_left_the_parameter_on_the_new_colour_failed() -> None:
    facts = observed(Color.GREEN, 8, ("gw-1", "green", 8, True))
    ending = judge(
        Outcome.ROLLED_BACK,
        "alarm 5xx is ALARM",
        RELEASE,
        facts,
        DOMAIN,
        undo_expected=True,
        rollback_error="PutParameter AccessDeniedException: not authorized",
    )
    assert ending.outcome is Outcome.ROLLBACK_FAILED
    assert "traffic is still on green" in ending.reason
    assert "AccessDeniedException" in ending.reason
    assert ending.traffic_on_target


def test_a_gateway_still_serving_the_new_colour_means_the_rollback_failed() -> None:
    facts = observed(Color.BLUE, 9, ("gw-1", "blue", 9, True), ("gw-2", "green", 8, True))
    ending = judge(Outcome.ROLLED_BACK, "alarm", RELEASE, facts, DOMAIN, undo_expected=True)
    assert ending.outcome is Outcome.ROLLBACK_FAILED
    assert "gw-2 holds green v8" in ending.reason


def test_an_unreadable_parameter_is_never_a_confirmed_rollback() -> None:
    assert after_alarm(observed(None)) is Outcome.ROLLBACK_FAILED


def test_gateways_on_the_old_colour_serve_it_whatever_version_they_hold() -> None:
    stuck = observed(Color.BLUE, 9, ("gw-1", "blue", 7, True))  # never applied v8 nor v9
    assert after_alarm(stuck) is Outcome.ROLLED_BACK


def test_silent_gateways_serve_nobody_and_the_reason_says_so() -> None:
    facts = observed(Color.BLUE, 9, ("gw-1", "green", 8, False))
    ending = judge(Outcome.ROLLED_BACK, "alarm", RELEASE, facts, DOMAIN, undo_expected=True)
    assert ending.outcome is Outcome.ROLLED_BACK
    assert "no live gateway acknowledges it" in ending.reason


def test_a_switch_that_never_happened_keeps_the_cause() -> None:
    facts = observed(Color.BLUE, 7, ("gw-1", "blue", 7, True))
    ending = judge(Outcome.FAILED, "PutParameter denied", RELEASE, facts, DOMAIN, undo_expected=True)
    assert ending.outcome is Outcome.FAILED


def test_a_stop_after_the_switch_says_the_new_colour_is_live() -> None:
    facts = observed(Color.GREEN, 8, ("gw-1", "green", 8, True))
    ending = judge(Outcome.ABORTED, "stopped", RELEASE, facts, DOMAIN, undo_expected=False)
    assert ending.outcome is Outcome.ABORTED
    assert ending.traffic_on_target
    assert "live on green, its bake unfinished" in ending.reason


def test_before_the_switch_the_cause_stands_and_traffic_is_reported() -> None:
    facts = observed(Color.BLUE, 7, ("gw-1", "blue", 7, True))
    ending = judge(Outcome.REJECTED, "rejected by alice", RELEASE, facts, DOMAIN, undo_expected=False)
    assert ending.outcome is Outcome.REJECTED
    assert ending.reason == "rejected by alice; myapp.com is on blue (parameter v7; served by gw-1)"
