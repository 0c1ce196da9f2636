"""Rollback after the workflow: alarm state changes -> AlarmRollback, and a schedule -> ScaleDown.

Both functions are in the cluster's VPC (they read or scale Deployments), each with its own role:
AlarmRollback may flip the parameter and only view the cluster; ScaleDown may only read the
parameter and edit (scale) the two release namespaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from bluegreen.adapters.release_store import HISTORY_INDEX
from bluegreen.config import AppConfig
from bluegreen.lambda_env import function_environment
from stacks import nag
from stacks.constructs.active_color import ActiveColorParameter
from stacks.constructs.cluster_access import ClusterAccess, ClusterAccessLevel
from stacks.constructs.encryption import EncryptedLogs
from stacks.constructs.network import ClusterNetwork
from stacks.constructs.release_functions import grant_describe_alarms
from stacks.constructs.storage import ReleaseTables
from stacks.lambda_defaults import execution_role, new_function

MAX_LAMBDA_SECONDS = 900
LOCK_AND_RECORD = ("GetItem", "PutItem", "UpdateItem", "DeleteItem")


@dataclass(frozen=True)
class RollbackEventsProps:
    config: AppConfig
    config_file_name: str
    code: lambda_.Code
    logs: EncryptedLogs
    network: ClusterNetwork
    tables: ReleaseTables
    parameter: ActiveColorParameter
    cluster: ClusterAccess
    alarm_names: Sequence[str]
    state_machine: sfn.StateMachine
    """The release workflow: both functions ask whether the execution holding the lock still runs."""


class RollbackEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: RollbackEventsProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        config = props.config
        confirm = config.gateways.confirm_timeout_seconds
        self.rollback_role, self.rollback_function = self._build_function(
            "AlarmRollback",
            "alarm_rollback",
            "Roll the latest finished release back (alarm or operator) while its window is open",
            timeout_seconds=min(MAX_LAMBDA_SECONDS, confirm + 60),
            cluster_access=ClusterAccessLevel.VIEW,
            acks=True,
            reads_history=True,  # `bluegreen rollback --to` finds the newest release on a colour
        )
        props.parameter.grant_write(self.rollback_role)
        grant_describe_alarms(self.rollback_role)
        self.scale_down_role, self.scale_down_function = self._build_function(
            "ScaleDown",
            "scale_down",
            "Scale the old colour to 0 once the rollback window has closed",
            timeout_seconds=120,
            cluster_access=ClusterAccessLevel.EDIT,
            acks=False,
            reads_history=False,
        )
        for role in (self.rollback_role, self.scale_down_role):
            self._grant_notifier_secret(role)
            self._grant_execution_lookup(role)
        self.alarm_rule = self._build_alarm_rule() if config.rollback.on_alarm else None
        self.scale_down_rule = self._build_scale_down_rule()
        self._suppress_findings()

    # -- functions ------------------------------------------------------------------------------

    def _build_function(
        self,
        construct_id: str,
        module: str,
        description: str,
        *,
        timeout_seconds: int,
        cluster_access: ClusterAccessLevel,
        acks: bool,
        reads_history: bool,
    ) -> tuple[iam.Role, lambda_.Function]:
        props = self._props
        role = execution_role(self, f"{construct_id}Role", description=f"bluegreen {construct_id}")
        log_group = props.logs.log_group(self, f"{construct_id}Logs", name=f"lambda/{construct_id}")
        log_group.grant_write(role)
        props.network.grant_eni_management(role)
        environment = function_environment(
            props.config_file_name,
            props.tables.releases.table_name,
            props.tables.acks.table_name if acks else None,
        )
        function = new_function(
            self,
            construct_id,
            code=props.code,
            module=module,
            role=role,
            log_group=log_group,
            environment=environment,
            description=f"bluegreen: {description}",
            timeout=Duration.seconds(timeout_seconds),
            vpc=props.network.vpc,
            vpc_subnets=props.network.subnet_selection,
            security_groups=props.network.security_groups,
        )
        _grant_items(role, props.tables.releases.table_arn, LOCK_AND_RECORD)
        if reads_history:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["dynamodb:Query"],
                    resources=[f"{props.tables.releases.table_arn}/index/{HISTORY_INDEX}"],
                )
            )
        if acks:
            _grant_items(role, props.tables.acks.table_arn, ("Scan",))
        props.parameter.grant_read(role)
        props.cluster.grant_describe_cluster(role)
        props.cluster.add_access_entry(f"{construct_id}AccessEntry", role, cluster_access)
        return role, function

    def _grant_execution_lookup(self, role: iam.IRole) -> None:
        """DescribeExecution on the release workflow's executions: a lock held by an execution that
        no longer runs is stale, and may be taken over."""
        executions = Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=f"{self._props.state_machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["states:DescribeExecution"], resources=[executions])
        )

    def _grant_notifier_secret(self, role: iam.IRole) -> None:
        """Both functions notify: with Slack configured (approvals), they read its bot token."""
        name = notifier_secret_name(self._props.config)
        if name is None:
            return
        arn = (
            name
            if name.startswith("arn:")
            else Stack.of(self).format_arn(
                service="secretsmanager",
                resource="secret",
                resource_name=f"{name}-??????",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[arn])
        )

    # -- triggers -------------------------------------------------------------------------------

    def _build_alarm_rule(self) -> events.Rule:
        return events.Rule(
            self,
            "AlarmRule",
            description="bluegreen: a watched alarm went to ALARM -> roll the live release back",
            event_pattern=events.EventPattern(
                source=["aws.cloudwatch"],
                detail_type=["CloudWatch Alarm State Change"],
                detail={"alarmName": list(self._props.alarm_names), "state": {"value": ["ALARM"]}},
            ),
            targets=[
                targets.LambdaFunction(
                    self.rollback_function, retry_attempts=3, max_event_age=Duration.minutes(10)
                )
            ],
        )

    def _build_scale_down_rule(self) -> events.Rule:
        minutes = self._props.config.rollback.scale_down_check_minutes
        return events.Rule(
            self,
            "ScaleDownSchedule",
            description="bluegreen: scale the old colour down once the rollback window has closed",
            schedule=events.Schedule.rate(Duration.minutes(minutes)),
            targets=[targets.LambdaFunction(self.scale_down_function, retry_attempts=2)],
        )

    # -- cdk-nag --------------------------------------------------------------------------------

    def _suppress_findings(self) -> None:
        for role, function, describes_alarms in (
            (self.rollback_role, self.rollback_function, True),
            (self.scale_down_role, self.scale_down_function, False),
        ):
            NagSuppressions.add_resource_suppressions(
                role,
                [
                    NagPackSuppression(
                        id="AwsSolutions-IAM5",
                        reason=nag.any_resource_reason(in_vpc=True, describe_alarms=describes_alarms),
                        applies_to=[nag.ANY_RESOURCE],
                    ),
                    NagPackSuppression(
                        id="AwsSolutions-IAM5", reason=nag.ENI_REASON, applies_to=[nag.FUNCTION_ENIS]
                    ),
                    NagPackSuppression(
                        id="AwsSolutions-IAM5",
                        reason=nag.LOCK_HOLDER_EXECUTIONS_REASON,
                        applies_to=[nag.THIS_STATE_MACHINES_EXECUTIONS],
                    ),
                ],
                apply_to_children=True,
            )
            NagSuppressions.add_resource_suppressions(
                function, [NagPackSuppression(id="AwsSolutions-L1", reason=nag.L1_REASON)]
            )


def notifier_secret_name(config: AppConfig) -> str | None:
    """The Slack bot token secret, when the approvals config names one."""
    name = getattr(config.approvals, "slack_bot_token_secret", None)
    channel = getattr(config.approvals, "slack_channel", None)
    return str(name) if name and channel else None


def _grant_items(role: iam.IRole, table_arn: str, actions: Sequence[str]) -> None:
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=[f"dynamodb:{action}" for action in actions], resources=[table_arn])
    )
