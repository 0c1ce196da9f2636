"""The CloudWatch dashboard of one application environment (`bluegreen-<app>-<env>`): the four delivery
figures over 7 and 30 days, releases and outcomes, phase durations, the active colour over time, the
alarms of each colour, and the gateways' heartbeats.

Every metric is built from the catalogue (bluegreen/metrics/names.py) with exactly its dimensions:
CloudWatch matches the whole dimension set, so a graph asking for fewer would stay empty.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from bluegreen.colors import Color
from bluegreen.config import AppConfig
from bluegreen.metrics.names import CATALOGUE, NAMESPACE, Dim, Metric, Phase, Trigger
from bluegreen.models import Outcome
from stacks.constructs.release_alarms import ReleaseAlarms

MINUTE = Duration.minutes(1)
DAY = Duration.days(1)
WINDOWS = {"7 days": 7, "30 days": 30}
COLOR_HEX = {Color.BLUE: "#1f77b4", Color.GREEN: "#2ca02c"}
OUTCOME_HEX = {
    Outcome.SUCCEEDED: "#2ca02c",
    Outcome.ROLLED_BACK: "#ff7f0e",
    Outcome.ROLLBACK_FAILED: "#d62728",
    Outcome.FAILED: "#9467bd",
    Outcome.REFUSED: "#8c564b",
    Outcome.REJECTED: "#e377c2",
    Outcome.TIMED_OUT: "#7f7f7f",
    Outcome.ABORTED: "#bcbd22",
}


def dashboard_name(config: AppConfig) -> str:
    return f"bluegreen-{config.app}-{config.environment}"


class ReleaseDashboard(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: AppConfig, alarms: ReleaseAlarms
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._alarms = alarms
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=dashboard_name(config),
            default_interval=Duration.days(30),
        )
        self.dashboard.add_widgets(self._header())
        for label, days in WINDOWS.items():
            self.dashboard.add_widgets(*self._delivery(label, days))
        self.dashboard.add_widgets(self._active_color(), self._outcomes())
        self.dashboard.add_widgets(self._phases(), self._recovery())
        self.dashboard.add_widgets(*self._alarm_states())
        self.dashboard.add_widgets(self._heartbeats(), self._gateway_counts(), self._propagation())
        smoke = self._smoke()
        if smoke is not None:
            self.dashboard.add_widgets(smoke)

    # -- metrics ----------------------------------------------------------------------------------

    def metric(
        self,
        metric: Metric,
        statistic: str,
        period: Duration,
        label: str | None = None,
        color: str | None = None,
        **dimensions: str,
    ) -> cloudwatch.Metric:
        spec = CATALOGUE[metric]
        given = {Dim(name) for name in dimensions}
        if given != set(spec.dimensions):
            raise ValueError(f"{metric.value} has dimensions {sorted(spec.dimensions)}, not {sorted(given)}")
        return cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=metric.value,
            dimensions_map={
                Dim.APP.value: self._config.app,
                Dim.ENVIRONMENT.value: self._config.environment,
                **dimensions,
            },
            statistic=statistic,
            period=period,
            label=label,
            color=color,
        )

    # -- widgets ----------------------------------------------------------------------------------

    def _header(self) -> cloudwatch.TextWidget:
        config = self._config
        return cloudwatch.TextWidget(
            markdown=(
                f"# bluegreen releases of {config.app}/{config.environment}\n"
                "Release frequency, lead time, change failure rate and time to restore (what each one "
                "counts: the operations runbook, *Release metrics and the dashboard*). The same figures "
                "per release, from the records: `bluegreen report --since 30d`."
            ),
            width=24,
            height=2,
        )

    def _delivery(self, label: str, days: int) -> list[cloudwatch.IWidget]:
        period = Duration.days(days)
        start = f"-P{days}D"

        def single(title: str, metrics: list[cloudwatch.IMetric]) -> cloudwatch.SingleValueWidget:
            return cloudwatch.SingleValueWidget(
                title=f"{title}, last {label}",
                metrics=metrics,
                start=start,
                set_period_to_time_range=True,
                period=period,
                width=6,
                height=4,
            )

        live = self.metric(Metric.WENT_LIVE, "Sum", period, "releases that went live")
        failed = self.metric(Metric.CHANGE_FAILED, "Sum", period)
        lead = self.metric(Metric.LEAD_TIME, "p50", period)
        restore = self.metric(Metric.TIME_TO_RESTORE, "p50", period)
        return [
            single(
                "Release frequency",
                [
                    live,
                    cloudwatch.MathExpression(
                        expression=f"live / {days}",
                        using_metrics={"live": live},
                        label="per day",
                        period=period,
                    ),
                ],
            ),
            single(
                "Lead time (median)",
                [
                    cloudwatch.MathExpression(
                        expression="lead / 3600", using_metrics={"lead": lead}, label="hours", period=period
                    )
                ],
            ),
            single(
                "Change failure rate",
                [
                    cloudwatch.MathExpression(
                        expression="100 * failed / live",
                        using_metrics={"failed": failed, "live": live},
                        label="% of the releases that went live",
                        period=period,
                    )
                ],
            ),
            single(
                "Time to restore (median)",
                [
                    cloudwatch.MathExpression(
                        expression="restore / 60",
                        using_metrics={"restore": restore},
                        label="minutes",
                        period=period,
                    )
                ],
            ),
        ]

    def _active_color(self) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(
            title="Active colour (1 = live)",
            left=[
                self.metric(
                    Metric.ACTIVE_COLOR, "Maximum", MINUTE, color.value, COLOR_HEX[color], Color=color.value
                )
                for color in Color
            ],
            left_y_axis=cloudwatch.YAxisProps(min=0, max=1, show_units=False),
            stacked=True,
            width=12,
            height=6,
        )

    def _outcomes(self) -> cloudwatch.GraphWidget:
        ended = [
            self.metric(
                Metric.RELEASE_ENDED, "Sum", DAY, outcome.value, OUTCOME_HEX[outcome], Outcome=outcome.value
            )
            for outcome in Outcome
        ]
        after = [
            self.metric(
                Metric.ROLLBACK_AFTER_RELEASE, "Sum", DAY, f"rolled back after release ({trigger.value})",
                Trigger=trigger.value,
            )
            for trigger in Trigger
        ]  # fmt: skip
        return cloudwatch.GraphWidget(
            title="Releases and outcomes (per day)",
            left=ended,
            right=after,
            stacked=True,
            width=12,
            height=6,
        )

    def _phases(self) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(
            title="Time in each phase (median per day, seconds)",
            left=[
                self.metric(Metric.PHASE_DURATION, "p50", DAY, phase.value, Phase=phase.value)
                for phase in Phase
            ],
            width=12,
            height=6,
        )

    def _recovery(self) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(
            title="Lead time, switch to rollback, time to restore (median per day, seconds)",
            left=[
                self.metric(Metric.LEAD_TIME, "p50", DAY, "lead time"),
                self.metric(Metric.SWITCH_TO_ROLLBACK, "p50", DAY, "switch to rollback"),
                self.metric(Metric.TIME_TO_RESTORE, "p50", DAY, "time to restore"),
            ],
            width=12,
            height=6,
        )

    def _alarm_states(self) -> list[cloudwatch.IWidget]:
        widgets: list[cloudwatch.IWidget] = []
        for color in Color:
            alarms: list[cloudwatch.IAlarm] = [*self._alarms.metric_alarms[color]]
            if color in self._alarms.health:
                alarms.insert(0, self._alarms.health[color])
            if alarms:
                widgets.append(
                    cloudwatch.AlarmStatusWidget(
                        title=f"Alarms of {color.value}", alarms=alarms, width=8, height=4
                    )
                )
        shared = [
            cloudwatch.Alarm.from_alarm_arn(
                self,
                f"Shared{index}",
                Stack.of(self).format_arn(
                    service="cloudwatch",
                    resource="alarm",
                    resource_name=name,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                ),
            )
            for index, name in enumerate(self._config.alarms.names)
        ]
        if shared:
            widgets.append(
                cloudwatch.AlarmStatusWidget(
                    title="Alarms of whichever colour is live", alarms=shared, width=8, height=4
                )
            )
        if not widgets:
            widgets.append(
                cloudwatch.TextWidget(
                    markdown="No alarms guard a release (config `alarms`).", width=24, height=2
                )
            )
        return widgets

    def _heartbeats(self) -> cloudwatch.GraphWidget:
        gateways = self._config.gateways
        return cloudwatch.GraphWidget(
            title="Gateway heartbeat age (seconds)",
            left=[
                self.metric(Metric.GATEWAY_HEARTBEAT_AGE, "Maximum", MINUTE, gateway, Gateway=gateway)
                for gateway in gateways.ids
            ],
            left_annotations=[
                cloudwatch.HorizontalAnnotation(
                    value=gateways.liveness_seconds, label="not live above", color="#d62728"
                )
            ],
            width=12,
            height=6,
        )

    def _gateway_counts(self) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(
            title="Live and lagging gateways",
            left=[
                self.metric(Metric.LIVE_GATEWAYS, "Minimum", MINUTE, "live (fewest in the minute)"),
                self.metric(Metric.LAGGING_GATEWAYS, "Maximum", MINUTE, "lagging (most in the minute)"),
            ],
            left_annotations=[
                cloudwatch.HorizontalAnnotation(value=self._config.gateways.min_live, label="min_live")
            ],
            width=6,
            height=6,
        )

    def _propagation(self) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(
            title="Switch propagation per gateway (p90 per day, seconds)",
            left=[
                self.metric(Metric.GATEWAY_PROPAGATION, "p90", DAY, gateway, Gateway=gateway)
                for gateway in self._config.gateways.ids
            ],
            width=6,
            height=6,
        )

    def _smoke(self) -> cloudwatch.GraphWidget | None:
        suite = self._config.smoke.suite
        if suite is None:
            return None
        return cloudwatch.GraphWidget(
            title="Smoke scenarios through preprod (p90 per day, milliseconds)",
            left=[
                self.metric(Metric.SMOKE_SCENARIO_DURATION, "p90", DAY, scenario.name, Scenario=scenario.name)
                for scenario in suite.scenarios
            ],
            width=24,
            height=6,
        )
