"""The release-health alarms per colour: ALB 5XX rate, ALB p99 response time, payment failures,
and one composite "release health" alarm over them that rolls a live release back.

The ALB alarms need each namespace's ALB (config `alarms.load_balancers`); the payment alarm needs
the metric the payment service publishes (config `alarms.payment_metric`). A colour with neither
gets no composite, and only the existing alarms in `alarms.names` are watched.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from bluegreen.colors import Color
from bluegreen.config import AppConfig

ALB_NAMESPACE = "AWS/ApplicationELB"


class ReleaseAlarms(Construct):
    """Per colour: metric alarms and the composite `bluegreen-<app>-<env>-<colour>-release-health`."""

    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.metric_alarms: dict[Color, list[cloudwatch.Alarm]] = {}
        self.health: dict[Color, cloudwatch.CompositeAlarm] = {}
        for color in Color:
            alarms = self._build_metric_alarms(color)
            self.metric_alarms[color] = alarms
            if alarms:
                self.health[color] = self._build_health(color, alarms)

    @property
    def _period(self) -> Duration:
        return Duration.seconds(self._config.alarms.period_seconds)

    def _name(self, color: Color, what: str) -> str:
        return f"bluegreen-{self._config.app}-{self._config.environment}-{color.value}-{what}"

    def _build_metric_alarms(self, color: Color) -> list[cloudwatch.Alarm]:
        alarms_config = self._config.alarms
        built: list[cloudwatch.Alarm] = []
        if alarms_config.load_balancers is not None:
            load_balancer = alarms_config.load_balancers.of(color)
            built += [self._build_5xx_rate(color, load_balancer), self._build_p99(color, load_balancer)]
        if alarms_config.payment_metric is not None:
            built.append(self._build_payment_failures(color))
        return built

    def _alb_metric(self, name: str, load_balancer: str, statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=ALB_NAMESPACE,
            metric_name=name,
            dimensions_map={"LoadBalancer": load_balancer},
            statistic=statistic,
            period=self._period,
        )

    def _alarm(
        self,
        construct_id: str,
        color: Color,
        what: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        text: str,
    ) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            f"{construct_id}{color.value.capitalize()}",
            alarm_name=self._name(color, what),
            alarm_description=f"bluegreen: {text} ({color.value})",
            metric=metric,
            threshold=threshold,
            evaluation_periods=self._config.alarms.evaluation_periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _build_5xx_rate(self, color: Color, load_balancer: str) -> cloudwatch.Alarm:
        rate = cloudwatch.MathExpression(
            expression="IF(requests > 0, 100 * errors / requests, 0)",
            using_metrics={
                "errors": self._alb_metric("HTTPCode_Target_5XX_Count", load_balancer, "Sum"),
                "requests": self._alb_metric("RequestCount", load_balancer, "Sum"),
            },
            period=self._period,
            label="target 5XX responses (% of requests)",
        )
        return self._alarm(
            "Alb5xxRate",
            color,
            "alb-5xx-rate",
            rate,
            self._config.alarms.alb_5xx_rate_percent,
            "ALB target 5XX responses above the configured percentage of requests",
        )

    def _build_p99(self, color: Color, load_balancer: str) -> cloudwatch.Alarm:
        return self._alarm(
            "AlbP99",
            color,
            "alb-p99-response-time",
            self._alb_metric("TargetResponseTime", load_balancer, "p99"),
            self._config.alarms.p99_response_seconds,
            "ALB p99 target response time above the configured seconds",
        )

    def _build_payment_failures(self, color: Color) -> cloudwatch.Alarm:
        payment = self._config.alarms.payment_metric
        assert payment is not None
        metric = cloudwatch.Metric(
            namespace=payment.namespace_for(self._config.app),
            metric_name=payment.name,
            dimensions_map={payment.color_dimension: color.value},
            statistic="Sum",
            period=self._period,
        )
        return self._alarm(
            "PaymentFailures", color, "payment-failures", metric, payment.threshold, "payment failures"
        )

    def _build_health(self, color: Color, alarms: list[cloudwatch.Alarm]) -> cloudwatch.CompositeAlarm:
        config = self._config
        return cloudwatch.CompositeAlarm(
            self,
            f"ReleaseHealth{color.value.capitalize()}",
            composite_alarm_name=config.alarms.health_alarm_name(config.app, config.environment, color),
            alarm_description=f"bluegreen: release health of {color.value}; ALARM rolls a live release back",
            alarm_rule=cloudwatch.AlarmRule.any_of(
                *(cloudwatch.AlarmRule.from_alarm(alarm, cloudwatch.AlarmState.ALARM) for alarm in alarms)
            ),
        )

    def alarm_names(self) -> list[str]:
        """Every alarm a live release is rolled back on: the existing ones and both composites."""
        config = self._config
        composites = [config.alarms.health_alarm_name(config.app, config.environment, c) for c in self.health]
        return [*config.alarms.names, *composites]
