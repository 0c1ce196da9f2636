"""Release metrics: the facts a record holds, the hooks the steps call (with in-memory fakes and a
recording sink), and the EMF documents the sink prints (checked against the EMF specification)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bluegreen.adapters.gateway_acks import GatewayAck
from bluegreen.colors import Color
from bluegreen.metrics.emf import EmfSink
from bluegreen.metrics.facts import ReleaseFacts
from bluegreen.metrics.names import CATALOGUE, Dim, Metric, Phase
from bluegreen.metrics.points import MetricBatch, MetricPoint, MetricShapeError, RecordingSink
from bluegreen.metrics.traffic_sample import sample_traffic
from bluegreen.models import Outcome, SwitchResult
from bluegreen.records import ReleaseRecord
from bluegreen.release.auto_rollback import RollbackRequest, RollbackStatus, roll_back_live
from bluegreen.release.confirm import OnTimeout, confirm_gateways
from bluegreen.release.finish import finish, record_failure
from bluegreen.release.manual_rollback import roll_back_to
from bluegreen.release.switch import switch
from bluegreen.runtime import Runtime
from tests.emf import emf_metrics, of_release, values
from tests.unit.test_release_decisions import ARN, NOW, Fakes, bake_alarm_state, follow_then, prepared


@dataclass
class LambdaContextStub:
    """What Powertools' Logger reads from a Lambda context."""

    function_name: str = "SampleTraffic"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:SampleTraffic"
    aws_request_id: str = "unit"


def at(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


def seeded(**fields: Any) -> ReleaseRecord:
    """A record as the table holds it after a release that baked and was rolled back by an alarm."""
    item = {
        "release_id": "rel-1",
        "app": "myapp",
        "environment": "prod",
        "version": "v9",
        "created_at": at(0),
        "commit_time": at(-90),
        "colors": {"before": "blue", "target": "green", "after": "green"},
        "steps": {
            "prepared": at(0),
            "deployed": at(1),
            "rolled_out": at(4),
            "smoke_tested": at(5),
            "approval_requested": at(5),
            "approved": at(25),
            "switched": at(26),
            "gateways_confirmed": at(26.5),
            "baked": at(36.5),
            "finished": at(37),
            "rolled_back_after_release": at(50),
        },
        "rollback": {"after_release": True, "at": at(49.5), "flipped": True},
        "outcome": "rolled_back",
        "active_color": "blue",
        "finished_at": at(37),
    }
    item.update(fields)
    return ReleaseRecord.from_item(item)


# -- facts ------------------------------------------------------------------------------------------


def test_a_records_steps_give_its_phases_lead_time_failure_and_restore() -> None:
    facts = ReleaseFacts.of(seeded())
    assert facts.phases == {
        Phase.DEPLOY: timedelta(minutes=1),
        Phase.ROLLOUT: timedelta(minutes=3),
        Phase.SMOKE: timedelta(minutes=1),
        Phase.APPROVAL_WAIT: timedelta(minutes=20),
        Phase.SWITCH_PROPAGATION: timedelta(seconds=30),
        Phase.BAKE: timedelta(minutes=10),
    }
    assert facts.went_live
    assert facts.failed_change
    assert facts.lead_time == timedelta(minutes=116.5)  # commit -> every gateway serving it
    assert facts.switch_to_rollback == timedelta(minutes=23.5)
    assert facts.time_to_restore == timedelta(minutes=24)
    assert facts.category == "failed"


def test_a_release_stopped_before_its_switch_never_went_live_nor_failed_a_change() -> None:
    steps = {"prepared": at(0), "deployed": at(1), "rolled_out": at(4), "smoke_tested": at(5)}
    facts = ReleaseFacts.of(seeded(steps=steps, outcome="failed", rollback=None, active_color="blue"))
    assert (facts.went_live, facts.failed_change, facts.lead_time, facts.time_to_restore) == (
        False,
        False,
        None,
        None,
    )
    assert facts.category == "stopped"
    assert set(facts.phases) == {Phase.DEPLOY, Phase.ROLLOUT, Phase.SMOKE}


def test_a_failed_rollback_is_a_failed_change_not_yet_restored() -> None:
    facts = ReleaseFacts.of(seeded(outcome="rollback_failed", active_color="green", rollback=None))
    assert facts.failed_change
    assert facts.restored_at is None
    assert facts.time_to_restore is None


def test_no_lead_time_without_a_commit_time_or_with_one_after_going_live() -> None:
    assert ReleaseFacts.of(seeded(commit_time=None)).lead_time is None
    assert ReleaseFacts.of(seeded(commit_time=at(60))).lead_time is None


# -- the hooks, through the domain ----------------------------------------------------------------


class Metered(Fakes):
    """The unit tier's fakes, with every Runtime emitting into one recording sink."""

    def __init__(self) -> None:
        super().__init__()
        self.sink = RecordingSink()

    def runtime(self) -> Runtime:
        rt = super().runtime()
        rt.metrics = self.sink
        return rt


@pytest.fixture
def fakes() -> Metered:
    return Metered()


def release_to_success(fakes: Metered) -> None:
    """Prepare at NOW (commit 2 h earlier), switch at +30 min, gateways at +31, finish at +45."""
    context = prepared(fakes, commit_time=(NOW - timedelta(hours=2)).isoformat())
    fakes.now = NOW + timedelta(minutes=30)
    switched = switch(context, fakes.runtime())
    fakes.now = NOW + timedelta(minutes=31)
    fakes.acks.acks = [
        GatewayAck("gw-a", "green", 8, fakes.now, applied_at=NOW + timedelta(minutes=30, seconds=4)),
        GatewayAck("gw-b", "green", 8, fakes.now, applied_at=NOW + timedelta(minutes=30, seconds=9)),
    ]
    confirm_gateways("rel-7", Color.GREEN, 8, switched.switched_at, OnTimeout.FAIL, fakes.runtime())
    fakes.now = NOW + timedelta(minutes=45)
    finish(context, SwitchResult.model_validate(switched.model_dump()), fakes.runtime())


def test_a_successful_release_counts_once_as_live_with_its_lead_time_and_propagation(fakes: Metered) -> None:
    sink = fakes.sink
    release_to_success(fakes)
    assert sink.values(Metric.RELEASE_STARTED) == [1]
    assert sink.values(Metric.RELEASE_ENDED, Outcome="succeeded") == [1]
    assert sink.values(Metric.WENT_LIVE) == [1]
    assert sink.values(Metric.LEAD_TIME) == [(2 * 60 + 31) * 60]
    assert sink.values(Metric.GATEWAY_PROPAGATION, Gateway="gw-a") == [4]
    assert sink.values(Metric.GATEWAY_PROPAGATION, Gateway="gw-b") == [9]
    assert sink.values(Metric.PHASE_DURATION, Phase="switch_propagation") == [60]
    assert sink.values(Metric.CHANGE_FAILED) == [0]  # went live, did not fail: 0 keeps the rate defined
    assert {batch.metadata["release_id"] for batch in sink.batches} == {"rel-7"}


def test_an_alarm_after_success_fails_the_change_once_and_measures_the_restore(fakes: Metered) -> None:
    # Given a release that succeeded, and then an alarm on its colour 15 minutes after it finished
    sink = fakes.sink
    release_to_success(fakes)
    fakes.now = NOW + timedelta(minutes=60)
    alarm = fakes.config.alarms.names[0]
    fakes.alarms.state[alarm] = "ALARM"
    request = RollbackRequest(source="alarm", alarm_name=alarm, alarm_state="ALARM")
    # When the rollback after the workflow runs (twice: a second alarm finds it done)
    assert roll_back_live(request, fakes.runtime(), sleep=follow_then(fakes)).status is (
        RollbackStatus.ROLLED_BACK
    )
    roll_back_live(request, fakes.runtime(), sleep=follow_then(fakes))
    # Then the change failed once, 30 minutes after its switch, and was restored then
    assert sink.values(Metric.CHANGE_FAILED) == [0, 1]  # live at its ending, failed after it
    assert sink.values(Metric.ROLLBACK_AFTER_RELEASE, Trigger="alarm") == [1]
    assert sink.values(Metric.SWITCH_TO_ROLLBACK) == [30 * 60]
    assert sink.values(Metric.TIME_TO_RESTORE) == [30 * 60]
    assert sink.values(Metric.RELEASE_ENDED) == [1]  # the release still ended once


def test_a_failed_rollback_restored_by_hand_counts_its_failure_once_and_its_restore(fakes: Metered) -> None:
    # Given a release whose rollback failed (traffic still on green) ...
    sink = fakes.sink
    context = prepared(fakes)
    fakes.now = NOW + timedelta(minutes=10)
    switch(context, fakes.runtime())
    fakes.gateways_follow()
    fakes.now = NOW + timedelta(minutes=20)
    state = bake_alarm_state(context, "PutParameter AccessDeniedException")
    assert record_failure(state, ARN, fakes.runtime()).outcome is Outcome.ROLLBACK_FAILED
    # ... put back on blue by hand 25 minutes after the switch, then again (already there)
    fakes.now = NOW + timedelta(minutes=35)
    for _ in range(2):
        roll_back_to(Color.BLUE, "alice", "by hand", None, fakes.runtime(), sleep=follow_then(fakes))
    # Then one failed change (at the ending), one restore (by hand), and no second count
    assert sink.values(Metric.RELEASE_ENDED, Outcome="rollback_failed") == [1]
    assert sink.values(Metric.CHANGE_FAILED) == [1]
    assert sink.values(Metric.TIME_TO_RESTORE) == [25 * 60]
    assert sink.values(Metric.ROLLBACK_AFTER_RELEASE, Trigger="manual") == [1]


def test_a_failing_sink_never_fails_the_step(fakes: Metered) -> None:
    class Broken:
        def emit(self, batch: MetricBatch) -> None:
            raise RuntimeError("stdout closed")

    fakes.sink = Broken()  # type: ignore[assignment]
    context = prepared(fakes)  # Prepare emits ReleaseStarted
    assert context.release_id == "rel-7"


# -- the EMF documents ------------------------------------------------------------------------------


def test_emf_documents_follow_the_specification_and_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    # When a batch with three dimension sets is emitted
    EmfSink().emit(
        MetricBatch(
            "myapp",
            "prod",
            (
                MetricPoint(Metric.RELEASE_ENDED, 1, {Dim.OUTCOME: "rolled_back"}),
                MetricPoint(Metric.WENT_LIVE, 1),
                MetricPoint(Metric.CHANGE_FAILED, 1),
                MetricPoint(Metric.PHASE_DURATION, 600, {Dim.PHASE: "bake"}),
            ),
            {"release_id": "rel-1"},
        )
    )
    # Then stdout holds one valid document per dimension set, with no `service` dimension and the
    # release id as metadata only
    printed = capsys.readouterr().out
    assert len(printed.strip().splitlines()) == 3
    metrics = emf_metrics(printed)
    assert {(m.name, tuple(sorted(m.dimensions))) for m in metrics} == {
        ("ReleaseEnded", ("App", "Environment", "Outcome")),
        ("WentLive", ("App", "Environment")),
        ("ChangeFailed", ("App", "Environment")),
        ("PhaseDuration", ("App", "Environment", "Phase")),
    }
    assert all(m.metadata == {"release_id": "rel-1"} for m in metrics)
    assert values(of_release(metrics, "rel-1"), Metric.PHASE_DURATION, Phase="bake") == [600]


def test_a_point_with_other_dimensions_than_its_metric_is_refused() -> None:
    with pytest.raises(MetricShapeError, match="ReleaseEnded takes dimensions"):
        MetricPoint(Metric.RELEASE_ENDED, 1)
    with pytest.raises(MetricShapeError, match="WentLive"):
        MetricPoint(Metric.WENT_LIVE, 1, {Dim.OUTCOME: "succeeded"})


# -- the traffic sample ---------------------------------------------------------------------------


def test_the_sample_says_which_colour_is_live_and_how_each_gateway_follows(fakes: Metered) -> None:
    # Given green live at v8; gw-a serves it, gw-b heartbeats but holds blue, and a gateway the
    # config does not name writes acknowledgements too
    fakes.parameter.write(Color.GREEN)
    fakes.acks.acks = [
        GatewayAck("gw-a", "green", 8, NOW - timedelta(seconds=3)),
        GatewayAck("gw-b", "blue", 7, NOW - timedelta(seconds=4)),
        GatewayAck("gw-stray", "blue", 7, NOW),
    ]
    # When the minute's sample runs (as the scheduled function does)
    from lambdas.sample_traffic import handler

    answer = handler({}, LambdaContextStub(), rt=fakes.runtime())  # type: ignore[arg-type]
    # Then the metrics say green is live, both gateways heartbeat, one of them lags
    sink = fakes.sink
    assert sink.values(Metric.ACTIVE_COLOR, Color="green") == [1]
    assert sink.values(Metric.ACTIVE_COLOR, Color="blue") == [0]
    assert sink.values(Metric.GATEWAY_HEARTBEAT_AGE, Gateway="gw-a") == [3]
    assert sink.values(Metric.GATEWAY_HEARTBEAT_AGE, Gateway="gw-b") == [4]
    assert sink.values(Metric.GATEWAY_HEARTBEAT_AGE, Gateway="gw-stray") == []  # bounded: config's ids
    assert (sink.values(Metric.LIVE_GATEWAYS), sink.values(Metric.LAGGING_GATEWAYS)) == ([2], [1])
    assert answer == {
        "color": "green",
        "parameter_version": 8,
        "live": ["gw-a", "gw-b"],
        "lagging": ["gw-b"],
        "silent": [],
    }


def test_a_gateway_past_its_liveness_window_is_silent_not_live(fakes: Metered) -> None:
    fakes.acks.acks = [GatewayAck("gw-a", "blue", 7, NOW - timedelta(minutes=5))]
    sample = sample_traffic(fakes.runtime())
    assert sample.live == []
    assert sample.silent == ["gw-a", "gw-b"]
    assert fakes.sink.values(Metric.GATEWAY_HEARTBEAT_AGE, Gateway="gw-a") == [300]
    assert fakes.sink.values(Metric.LIVE_GATEWAYS) == [0]


def test_the_runbook_lists_every_metric_with_its_unit_and_dimensions() -> None:
    runbook = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    rows = {
        cells[0].strip("`"): (cells[1], cells[2])
        for line in runbook.splitlines()
        if line.startswith("| `")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
        if cells[0].strip("`") in {m.value for m in Metric}
    }
    assert rows == {
        spec.metric.value: (spec.unit, ", ".join(d.value for d in spec.all_dimensions))
        for spec in CATALOGUE.values()
    }
