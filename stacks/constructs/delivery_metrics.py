"""Release metrics in the stack: the once-a-minute traffic sample and the dashboard that shows what
the releases and the sample emit (EMF: no metric resource to create, no PutMetricData to grant)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from bluegreen.config import AppConfig
from stacks.constructs.active_color import ActiveColorParameter
from stacks.constructs.encryption import EncryptedLogs
from stacks.constructs.release_alarms import ReleaseAlarms
from stacks.constructs.release_dashboard import ReleaseDashboard
from stacks.constructs.storage import ReleaseTables
from stacks.constructs.traffic_sampler import TrafficSampler, TrafficSamplerProps


@dataclass(frozen=True)
class DeliveryMetricsProps:
    config: AppConfig
    config_file_name: str
    code: lambda_.Code
    logs: EncryptedLogs
    tables: ReleaseTables
    parameter: ActiveColorParameter
    alarms: ReleaseAlarms


class DeliveryMetrics(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: DeliveryMetricsProps) -> None:
        super().__init__(scope, construct_id)
        self.sampler = TrafficSampler(
            self,
            "Sampler",
            TrafficSamplerProps(
                config=props.config,
                config_file_name=props.config_file_name,
                code=props.code,
                logs=props.logs,
                tables=props.tables,
                parameter=props.parameter,
            ),
        )
        self.dashboard = ReleaseDashboard(self, "Dashboard", config=props.config, alarms=props.alarms)
