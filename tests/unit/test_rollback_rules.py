"""The rollback window and the rollback after the workflow decided by pure functions (no AWS, no cluster)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.colors import Color
from bluegreen.records import LatestRelease, WindowPhase, window_phase
from bluegreen.release.drift import IdleDeployment, idle_drift
from bluegreen.release.rollback_rules import (
    RollbackRequest,
    RollbackStatus,
    alarm_verdict,
    flip_verdict,
    window_verdict,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ALARM = RollbackRequest(source="alarm", alarm_name="5xx", alarm_state="ALARM")
PERSON = RollbackRequest(source="manual", requested_by="alice")


def latest(**changes: object) -> LatestRelease:
    base = LatestRelease(
        release_id="r2",
        color_before=Color.BLUE,
        color_after=Color.GREEN,
        switch_parameter_version=8,
        scale_down_after=NOW + timedelta(minutes=30),
    )
    return base.model_copy(update=changes)


@pytest.mark.parametrize(
    ("changes", "phase"),
    [
        ({}, WindowPhase.OPEN),
        ({"scale_down_after": NOW}, WindowPhase.EXPIRED),
        ({"scaled_down_at": NOW}, WindowPhase.SCALED_DOWN),
        ({"superseded_by": "r3"}, WindowPhase.SUPERSEDED),
        # what happened beats the clock
        ({"rolled_back_at": NOW, "scale_down_after": NOW - timedelta(hours=1)}, WindowPhase.ROLLED_BACK),
    ],
)
def test_the_window_phase_is_a_function_of_the_pointer_and_the_clock(
    changes: dict[str, object], phase: WindowPhase
) -> None:
    assert window_phase(latest(**changes), NOW)[0] is phase


def test_only_an_open_window_is_armed_and_the_reason_says_until_when() -> None:
    phase, reason = window_phase(latest(), NOW)
    assert phase.armed
    assert "open until 2026-12-01T12:30:00+00:00: blue stays up" in reason
    assert not window_phase(latest(scale_down_after=NOW), NOW)[0].armed


def test_a_superseded_release_ignores_alarms_but_tells_a_person_to_roll_forward() -> None:
    superseded = latest(superseded_by="r3")
    assert window_verdict(ALARM, superseded, NOW).status is RollbackStatus.IGNORED
    verdict = window_verdict(PERSON, superseded, NOW)
    assert verdict.status is RollbackStatus.REFUSED
    assert verdict.record
    assert "roll forward" in verdict.message


def test_an_alarm_must_watch_the_live_colour_be_alarm_now_and_rollback_on_alarm_on() -> None:
    watched = ["5xx", "bluegreen-myapp-prod-green-release-health"]
    assert alarm_verdict(ALARM, True, watched, Color.GREEN, "ALARM").go
    assert alarm_verdict(ALARM, True, watched, Color.GREEN, "OK").status is RollbackStatus.IGNORED
    assert alarm_verdict(ALARM, True, ["other"], Color.GREEN, "ALARM").status is RollbackStatus.IGNORED
    assert alarm_verdict(ALARM, False, watched, Color.GREEN, "ALARM").status is RollbackStatus.IGNORED
    assert alarm_verdict(PERSON, False, [], Color.GREEN, None).go  # people are never ignored


def test_the_flip_happens_only_from_the_switch_version_onto_a_healthy_colour() -> None:
    pointer = latest()
    assert flip_verdict(pointer, ActiveColor(Color.GREEN, 8), [], "myapp.com").go
    already = flip_verdict(pointer, ActiveColor(Color.BLUE, 9), [], "myapp.com")
    assert already.status is RollbackStatus.ALREADY_ROLLED_BACK
    moved = flip_verdict(pointer, ActiveColor(Color.GREEN, 10), [], "myapp.com")
    assert moved.status is RollbackStatus.REFUSED
    assert "it holds green v10" in moved.message
    sick = flip_verdict(
        pointer, ActiveColor(Color.GREEN, 8), ["payment is scaled down to 0 in blue"], "myapp.com"
    )
    assert sick.status is RollbackStatus.REFUSED
    assert "payment is scaled down to 0" in sick.message


def test_idle_drift_names_each_vanished_or_changed_service() -> None:
    expected = {
        "payment": IdleDeployment("payment", 3, {"payment": "repo/payment:v2"}),
        "user-login": IdleDeployment("user-login", 5, {"user-login": "repo/login:v2"}),
        "user-profile": IdleDeployment("user-profile", 2, {"user-profile": "repo/profile:v2"}),
    }

    def deployment(generation: int, image: str, name: str) -> dict[str, object]:
        return {
            "metadata": {"generation": generation},
            "spec": {"template": {"spec": {"containers": [{"name": name, "image": image}]}}},
        }

    current = {
        "payment": deployment(4, "repo/payment:v2", "payment"),  # a new generation
        "user-login": None,  # deleted
        "user-profile": deployment(2, "repo/profile:v2", "user-profile"),  # as approved
    }
    assert idle_drift("green", expected, current, "approval") == [
        "payment changed in green since approval",
        "user-login vanished from green since approval",
    ]
