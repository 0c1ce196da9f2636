"""The metric catalogue: every metric bluegreen emits, its unit and its dimensions, in one place.

CloudWatch identifies a metric by namespace, name and the *whole* set of its dimensions: a graph
that asks for `ReleaseEnded` with {App, Environment} finds nothing when it was emitted with
{App, Environment, Outcome}. So the emitters (bluegreen/metrics/points.py refuses a point whose
dimensions differ from its entry here) and the dashboard (stacks/constructs/release_dashboard.py)
both read this table, and docs/operations.md lists it (a test keeps the three in step).

Cardinality is bounded: every dimension value comes from a closed set (outcomes, phases, colours,
triggers) or from the app config (gateway ids, smoke scenario names). A release id is never a
dimension; it travels as EMF metadata (searchable in Logs Insights, not a metric).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NAMESPACE = "BlueGreen"
"""The CloudWatch namespace of every bluegreen metric."""


class Dim(StrEnum):
    APP = "App"
    ENVIRONMENT = "Environment"
    OUTCOME = "Outcome"
    PHASE = "Phase"
    GATEWAY = "Gateway"
    SCENARIO = "Scenario"
    COLOR = "Color"
    TRIGGER = "Trigger"


BASE_DIMENSIONS = (Dim.APP, Dim.ENVIRONMENT)
"""On every metric: one series per application environment."""


class Metric(StrEnum):
    RELEASE_STARTED = "ReleaseStarted"
    RELEASE_ENDED = "ReleaseEnded"
    WENT_LIVE = "WentLive"
    CHANGE_FAILED = "ChangeFailed"
    LEAD_TIME = "LeadTime"
    TIME_TO_RESTORE = "TimeToRestore"
    SWITCH_TO_ROLLBACK = "SwitchToRollback"
    ROLLBACK_AFTER_RELEASE = "RollbackAfterRelease"
    PHASE_DURATION = "PhaseDuration"
    GATEWAY_PROPAGATION = "GatewayPropagation"
    SMOKE_SCENARIO_DURATION = "SmokeScenarioDuration"
    ACTIVE_COLOR = "ActiveColor"
    GATEWAY_HEARTBEAT_AGE = "GatewayHeartbeatAge"
    LIVE_GATEWAYS = "LiveGateways"
    LAGGING_GATEWAYS = "LaggingGateways"


class Phase(StrEnum):
    """The phases of a release whose duration is measured, each from one step's stamp to another's."""

    DEPLOY = "deploy"
    ROLLOUT = "rollout"
    SMOKE = "smoke"
    APPROVAL_WAIT = "approval_wait"
    SWITCH_PROPAGATION = "switch_propagation"
    BAKE = "bake"


class Trigger(StrEnum):
    """What rolled a release back after its workflow ended."""

    ALARM = "alarm"
    MANUAL = "manual"


@dataclass(frozen=True)
class MetricSpec:
    metric: Metric
    unit: str
    """A CloudWatch unit (Count, Seconds, Milliseconds)."""
    dimensions: tuple[Dim, ...]
    """Beyond App and Environment."""
    emitted_by: str
    meaning: str

    @property
    def all_dimensions(self) -> tuple[Dim, ...]:
        return (*BASE_DIMENSIONS, *self.dimensions)


CATALOGUE: dict[Metric, MetricSpec] = {
    spec.metric: spec
    for spec in (
        MetricSpec(
            Metric.RELEASE_STARTED, "Count", (), "Prepare", "a release took the lock and started deploying"
        ),
        MetricSpec(
            Metric.RELEASE_ENDED,
            "Count",
            (Dim.OUTCOME,),
            "Finish, RecordFailure, ExecutionEnded",
            "a release's workflow ended, by outcome",
        ),
        MetricSpec(
            Metric.WENT_LIVE,
            "Count",
            (),
            "Finish, RecordFailure, ExecutionEnded",
            "a release switched traffic to its colour (a deployment to production)",
        ),
        MetricSpec(
            Metric.CHANGE_FAILED,
            "Count",
            (),
            "the endings; AlarmRollback",
            "1 when a release that went live failed there (rolled back, rollback failed, or failed "
            "after its switch), once per release; 0 when it went live and ended without failing",
        ),
        MetricSpec(
            Metric.LEAD_TIME,
            "Seconds",
            (),
            "the endings",
            "from the release's commit time (`--commit-time`, or the pipeline's start) to live",
        ),
        MetricSpec(
            Metric.TIME_TO_RESTORE,
            "Seconds",
            (),
            "the endings; AlarmRollback",
            "from the switch of a failed change to traffic back on the previous colour",
        ),
        MetricSpec(
            Metric.SWITCH_TO_ROLLBACK,
            "Seconds",
            (),
            "the endings; AlarmRollback",
            "from the switch to the rollback's flip of the parameter",
        ),
        MetricSpec(
            Metric.ROLLBACK_AFTER_RELEASE,
            "Count",
            (Dim.TRIGGER,),
            "AlarmRollback",
            "a finished release rolled back inside its rollback window (alarm or person)",
        ),
        MetricSpec(
            Metric.PHASE_DURATION,
            "Seconds",
            (Dim.PHASE,),
            "the endings",
            "time a release spent in a phase (deploy, rollout, smoke, approval_wait, "
            "switch_propagation, bake)",
        ),
        MetricSpec(
            Metric.GATEWAY_PROPAGATION,
            "Seconds",
            (Dim.GATEWAY,),
            "ConfirmGateways",
            "from the switch to the moment a gateway applied it",
        ),
        MetricSpec(
            Metric.SMOKE_SCENARIO_DURATION,
            "Milliseconds",
            (Dim.SCENARIO,),
            "SmokeTests",
            "how long a smoke scenario took through preprod",
        ),
        MetricSpec(
            Metric.ACTIVE_COLOR,
            "Count",
            (Dim.COLOR,),
            "SampleTraffic (every minute)",
            "1 for the colour the parameter points at, 0 for the other",
        ),
        MetricSpec(
            Metric.GATEWAY_HEARTBEAT_AGE,
            "Seconds",
            (Dim.GATEWAY,),
            "SampleTraffic (every minute)",
            "age of a configured gateway's last heartbeat",
        ),
        MetricSpec(
            Metric.LIVE_GATEWAYS,
            "Count",
            (),
            "SampleTraffic (every minute)",
            "configured gateways whose heartbeat is within `gateways.liveness_seconds`",
        ),
        MetricSpec(
            Metric.LAGGING_GATEWAYS,
            "Count",
            (),
            "SampleTraffic (every minute)",
            "live gateways not serving the parameter's colour and version",
        ),
    )
}
