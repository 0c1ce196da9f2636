"""The release's decisions with in-memory fakes of every port (no moto, no cluster, no network):
Prepare, Switch, the recorded ending, and the rollback after the workflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.adapters.gateway_acks import GatewayAck
from bluegreen.adapters.notify import RecordingNotifier
from bluegreen.colors import Color
from bluegreen.config import AppConfig, load_config
from bluegreen.errors import AlarmFiringError, PreSwitchCheckError, ReleaseInputError, ReleaseLockedError
from bluegreen.local.memory import (
    MemoryAcks,
    MemoryAlarms,
    MemoryColourParameter,
    MemoryExecutions,
    MemoryReleaseStore,
    MemoryWorkloads,
)
from bluegreen.models import CaughtError, Outcome
from bluegreen.records import LatestRelease
from bluegreen.release.auto_rollback import RollbackRequest, RollbackStatus, roll_back_live
from bluegreen.release.finish import FinalState, record_failure
from bluegreen.release.prepare import prepare
from bluegreen.release.switch import switch
from bluegreen.runtime import Runtime

MYAPP = Path(__file__).resolve().parents[2] / "config" / "myapp.yaml"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ARN = "arn:aws:states:us-east-1:123456789012:execution:myapp-prod-release:rel-7"


class Fakes:
    def __init__(self) -> None:
        self.config: AppConfig = load_config(MYAPP)
        self.now = NOW
        self.releases = MemoryReleaseStore(clock=lambda: self.now)
        self.parameter = MemoryColourParameter(self.config.parameter_name, Color.BLUE, version=7)
        self.alarms = MemoryAlarms(
            dict.fromkeys(
                self.config.alarms.all_watched_names(self.config.app, self.config.environment), "OK"
            )
        )
        self.acks = MemoryAcks()
        self.executions = MemoryExecutions()
        self.workloads = MemoryWorkloads()
        self.notifier = RecordingNotifier()
        for service in self.config.services:
            for namespace in ("blue", "green"):
                self.workloads.add(namespace, service.deployment_name, f"{service.repository}:v1")
        self.gateways_follow()

    def gateways_follow(self) -> None:
        """Both gateways heartbeat now and serve what the parameter says."""
        live = self.parameter.read()
        self.acks.acks = [GatewayAck(g, live.color.value, live.version, self.now) for g in ("gw-a", "gw-b")]

    def runtime(self) -> Runtime:
        def no_cluster() -> Any:
            raise AssertionError("the official client is not used in the unit tier")

        return Runtime(
            config=self.config,
            releases=self.releases,
            colors=self.parameter,
            alarms=self.alarms,
            kube=no_cluster,
            acks=self.acks,
            executions=self.executions,
            workloads=lambda: self.workloads,
            notifier=self.notifier,
            clock=lambda: self.now,
        )


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def prepared(fakes: Fakes, **release: Any) -> Any:
    return prepare({"version": "v2", "triggered_by": "ci", **release}, ARN, fakes.runtime())


# -- Prepare ----------------------------------------------------------------------------------------


def test_bad_input_is_refused_before_anything_is_read_or_locked(fakes: Fakes) -> None:
    fakes.parameter.value = "not a colour"  # reading it would raise something else
    with pytest.raises(ReleaseInputError, match=r"images\.checkout"):
        prepared(fakes, images={"checkout": "x:1"})
    assert fakes.releases.locks == {}
    assert fakes.releases.records == {}


def test_a_firing_alarm_refuses_the_release_before_the_lock(fakes: Fakes) -> None:
    alarm = fakes.config.alarms.names[0]
    fakes.alarms.state[alarm] = "ALARM"
    with pytest.raises(AlarmFiringError, match=f"{alarm} is ALARM"):
        prepared(fakes)
    assert fakes.releases.locks == {}


def test_a_running_release_holds_the_lock_and_is_named(fakes: Fakes) -> None:
    other = ARN.replace("rel-7", "rel-6")
    fakes.releases.acquire_lock("myapp", "prod", other, "rel-6", lambda arn: True)
    fakes.executions.statuses[other] = "RUNNING"
    with pytest.raises(ReleaseLockedError, match="rel-6 is still running"):
        prepared(fakes)


def test_prepare_takes_the_lock_and_writes_the_record(fakes: Fakes) -> None:
    context = prepared(fakes, change_ref="CHG-1")
    assert (context.active_color, context.idle_color, context.parameter_version) == (
        Color.BLUE,
        Color.GREEN,
        7,
    )
    assert fakes.releases.lock_holder("myapp", "prod") == ARN
    record = fakes.releases.get_record("rel-7") or {}
    assert (record["app"], record["version"], record["change_ref"]) == ("myapp", "v2", "CHG-1")
    assert record["colors"] == {"before": "blue", "target": "green"}


# -- Switch -----------------------------------------------------------------------------------------


def test_switch_refuses_when_someone_moved_the_parameter(fakes: Fakes) -> None:
    context = prepared(fakes)
    fakes.parameter.write(Color.GREEN)  # by hand, v8
    fakes.parameter.write(Color.BLUE)  # and back, v9
    with pytest.raises(PreSwitchCheckError, match="blue v7 -> blue v9"):
        switch(context, fakes.runtime())
    fakes.parameter.write(Color.GREEN)  # v10: green, but not this release's own write
    with pytest.raises(PreSwitchCheckError, match="blue v7 -> green v10"):
        switch(context, fakes.runtime())
    assert fakes.parameter.version == 10


def test_a_retried_switch_whose_first_write_landed_does_not_write_again(fakes: Fakes) -> None:
    context = prepared(fakes)
    first = switch(context, fakes.runtime())
    again = switch(context, fakes.runtime())
    assert first.parameter_version == again.parameter_version == 8
    assert fakes.parameter.version == 8


# -- the recorded ending ------------------------------------------------------------------------------


def bake_alarm_state(context: Any, rollback_error: str | None) -> FinalState:
    error = CaughtError(
        Error="AlarmDuringBakeError", Cause='{"errorMessage": "during the bake: 5xx is ALARM"}'
    )
    state: dict[str, Any] = {"release": context, "error": error}
    if rollback_error:
        state["rollback_error"] = CaughtError(
            Error="DependencyError", Cause=f'{{"errorMessage": "{rollback_error}"}}'
        )
    return FinalState.model_validate(state)


def test_a_rollback_that_did_not_happen_is_recorded_as_failed_armed_and_announced(fakes: Fakes) -> None:
    context = prepared(fakes)
    switch(context, fakes.runtime())
    fakes.gateways_follow()  # green v8 everywhere, and the Rollback step was denied
    result = record_failure(
        bake_alarm_state(context, "PutParameter AccessDeniedException"), ARN, fakes.runtime()
    )
    assert result.outcome is Outcome.ROLLBACK_FAILED
    record = fakes.releases.get_record("rel-7") or {}
    assert record["outcome"] == "rollback_failed"
    assert "AccessDeniedException" in record["rollback_error"]["reason"]
    assert record["traffic"].startswith("myapp.com is on green (parameter v8")
    assert fakes.releases.lock_holder("myapp", "prod") is None
    pointer = fakes.releases.get_latest("myapp", "prod")
    assert pointer is not None
    assert pointer.color_before is Color.BLUE
    assert pointer.switch_parameter_version == 8
    assert "ROLLBACK FAILED" in fakes.notifier.sent[-1].text
    assert "bluegreen rollback --to blue" in fakes.notifier.sent[-1].text


def test_a_rollback_confirmed_by_the_gateways_is_rolled_back(fakes: Fakes) -> None:
    context = prepared(fakes)
    switch(context, fakes.runtime())
    fakes.parameter.write(Color.BLUE)  # the Rollback step flipped it back: v9
    fakes.gateways_follow()
    state = bake_alarm_state(context, None).model_copy(update={"rollback": None})
    state = FinalState.model_validate(
        {
            **state.model_dump(),
            "rollback": {
                "color": "blue",
                "parameter_version": 9,
                "switched_at": NOW.isoformat(),
                "reason": "x",
                "flipped": True,
            },
        }
    )
    assert record_failure(state, ARN, fakes.runtime()).outcome is Outcome.ROLLED_BACK
    assert fakes.releases.get_latest("myapp", "prod") is None  # nothing to undo: not armed


# -- the rollback after the workflow ------------------------------------------------------------------


def finished(fakes: Fakes, window_minutes: int = 30) -> None:
    fakes.parameter.write(Color.GREEN)
    fakes.gateways_follow()
    fakes.releases.create_record("rel-7", {"app": "myapp", "environment": "prod", "created_at": NOW})
    fakes.releases.set_latest(
        "myapp",
        "prod",
        LatestRelease(
            release_id="rel-7",
            color_before=Color.BLUE,
            color_after=Color.GREEN,
            switch_parameter_version=fakes.parameter.version,
            scale_down_after=NOW + timedelta(minutes=window_minutes),
        ),
    )


def follow_then(fakes: Fakes) -> Any:
    return lambda seconds: fakes.gateways_follow()


def test_an_alarm_on_the_live_colour_rolls_back_once_and_records_it(fakes: Fakes) -> None:
    finished(fakes)
    alarm = fakes.config.alarms.names[0]
    fakes.alarms.state[alarm] = "ALARM"
    request = RollbackRequest(source="alarm", alarm_name=alarm, alarm_state="ALARM")
    outcome = roll_back_live(request, fakes.runtime(), sleep=follow_then(fakes))
    assert outcome.status is RollbackStatus.ROLLED_BACK
    assert outcome.gateways_confirmed is True
    assert fakes.parameter.read() == ActiveColor(Color.BLUE, 9)
    assert (fakes.releases.get_record("rel-7") or {})["outcome"] == "rolled_back"
    assert fakes.releases.lock_holder("myapp", "prod") is None
    again = roll_back_live(request, fakes.runtime(), sleep=follow_then(fakes))
    assert again.status is RollbackStatus.ALREADY_ROLLED_BACK
    assert fakes.parameter.version == 9


def test_after_the_window_a_person_is_refused_and_it_is_recorded(fakes: Fakes) -> None:
    finished(fakes, window_minutes=30)
    fakes.now = NOW + timedelta(minutes=31)
    outcome = roll_back_live(RollbackRequest(source="manual", requested_by="alice"), fakes.runtime())
    assert outcome.status is RollbackStatus.REFUSED
    assert "closed" in outcome.message
    assert fakes.parameter.read().color is Color.GREEN
    assert "rollback_refused" in (fakes.releases.get_record("rel-7") or {})
    assert fakes.notifier.sent[-1].event == "rollback_refused"


def test_an_alarm_of_the_idle_colour_is_ignored_quietly(fakes: Fakes) -> None:
    finished(fakes)
    idle_health = fakes.config.alarms.health_alarm_name("myapp", "prod", Color.BLUE)
    fakes.alarms.state[idle_health] = "ALARM"
    request = RollbackRequest(source="alarm", alarm_name=idle_health, alarm_state="ALARM")
    assert roll_back_live(request, fakes.runtime()).status is RollbackStatus.IGNORED
    assert fakes.notifier.sent == []


def test_no_rollback_onto_a_colour_that_cannot_take_traffic(fakes: Fakes) -> None:
    finished(fakes)
    fakes.workloads.add("blue", "payment", "repo/payment:v1", complete=False)
    outcome = roll_back_live(RollbackRequest(source="manual", requested_by="alice"), fakes.runtime())
    assert outcome.status is RollbackStatus.REFUSED
    assert "payment is not healthy in blue" in outcome.message
    assert fakes.parameter.read().color is Color.GREEN
