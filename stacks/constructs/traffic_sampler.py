"""SampleTraffic: a function on a one-minute schedule that reads the parameter and the gateways'
acknowledgements and prints them as metrics (EMF), for the dashboard's active colour over time and
gateway heartbeats. Its own role may read exactly those two things; it is not in the VPC (SSM and
DynamoDB only, no cluster)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from bluegreen.config import AppConfig
from bluegreen.lambda_env import function_environment
from stacks import nag
from stacks.constructs.active_color import ActiveColorParameter
from stacks.constructs.encryption import EncryptedLogs
from stacks.constructs.storage import ReleaseTables
from stacks.lambda_defaults import execution_role, new_function

SAMPLE_EVERY = Duration.minutes(1)


@dataclass(frozen=True)
class TrafficSamplerProps:
    config: AppConfig
    config_file_name: str
    code: lambda_.Code
    logs: EncryptedLogs
    tables: ReleaseTables
    parameter: ActiveColorParameter


class TrafficSampler(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: TrafficSamplerProps) -> None:
        super().__init__(scope, construct_id)
        self.role = execution_role(self, "Role", description="bluegreen SampleTraffic")
        log_group = props.logs.log_group(self, "Logs", name="lambda/SampleTraffic")
        log_group.grant_write(self.role)
        self.function = new_function(
            self,
            "SampleTraffic",
            code=props.code,
            module="sample_traffic",
            role=self.role,
            log_group=log_group,
            # The Runtime reads its settings from one model; this function never touches the releases table.
            environment=function_environment(
                props.config_file_name, props.tables.releases.table_name, props.tables.acks.table_name
            ),
            description="bluegreen: every minute, the live colour and the gateways' heartbeats as metrics",
        )
        props.parameter.grant_read(self.role)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["dynamodb:Scan"], resources=[props.tables.acks.table_arn])
        )
        self.schedule = events.Rule(
            self,
            "Schedule",
            description="bluegreen: sample the live colour and the gateways' heartbeats",
            schedule=events.Schedule.rate(SAMPLE_EVERY),
            targets=[
                targets.LambdaFunction(self.function, retry_attempts=0, max_event_age=Duration.minutes(1))
            ],
        )
        NagSuppressions.add_resource_suppressions(
            self.role,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5", reason=nag.XRAY_REASON, applies_to=[nag.ANY_RESOURCE]
                )
            ],
            apply_to_children=True,
        )
        NagSuppressions.add_resource_suppressions(
            self.function, [NagPackSuppression(id="AwsSolutions-L1", reason=nag.L1_REASON)]
        )
