"""The release Lambdas: one asset, one handler module and one least-privilege role per function.

What each function may do is declared in one table (`release_function_specs`) so that a reader
can audit every permission in one screen; the grants below only translate it to IAM.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from bluegreen.config import AppConfig
from bluegreen.lambda_env import function_environment
from stacks.constructs.active_color import ActiveColorParameter
from stacks.constructs.cluster_access import ClusterAccess, ClusterAccessLevel
from stacks.constructs.encryption import EncryptedLogs
from stacks.constructs.network import ClusterNetwork
from stacks.constructs.storage import ReleaseTables
from stacks.lambda_defaults import execution_role, new_function

MAX_LAMBDA_SECONDS = 900
RECORD_UPDATES = ("GetItem", "UpdateItem")
"""What updating the release record takes: ReleaseStore.update_record reads the record back when a
conditional write fails (a record deleted during the release, or one without its steps map)."""


class ParameterAccess(StrEnum):
    READ = "read"
    READ_WRITE = "read-write"


@dataclass(frozen=True)
class FunctionSpec:
    """One release Lambda and everything it may touch."""

    construct_id: str
    module: str
    description: str
    timeout_seconds: int = 30
    in_workflow: bool = True
    in_vpc: bool = False
    cluster_access: ClusterAccessLevel | None = None
    describe_cluster: bool = False
    releases_actions: tuple[str, ...] = ()
    acks_actions: tuple[str, ...] = ()
    parameter_access: ParameterAccess | None = None
    describe_alarms: bool = False
    read_manifests: bool = False

    @property
    def substitution_key(self) -> str:
        """The ASL placeholder for this function's ARN, e.g. `${PrepareFunctionArn}`."""
        return f"{self.construct_id}FunctionArn"


def release_function_specs(config: AppConfig) -> tuple[FunctionSpec, ...]:
    """The fifteen functions. SmokeTests outlives the suite's own deadline by a minute."""
    smoke_seconds = min(MAX_LAMBDA_SECONDS, math.ceil(config.smoke.deadline_seconds) + 60)
    read, read_write = ParameterAccess.READ, ParameterAccess.READ_WRITE
    view, edit = ClusterAccessLevel.VIEW, ClusterAccessLevel.EDIT
    return (
        FunctionSpec(
            "Prepare",
            "prepare",
            "Validate input, read the active colour, take the lock, write the release record",
            releases_actions=("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
            acks_actions=("Scan",),  # a stale lock taken over: where that release left traffic
            parameter_access=read,
            describe_alarms=True,  # no release starts while a watched alarm fires
        ),
        FunctionSpec(
            "Deploy",
            "deploy",
            "Copy the active namespace to the idle one and apply the release on top",
            timeout_seconds=120,
            in_vpc=True,
            read_manifests=True,
            cluster_access=edit,
            describe_cluster=True,
            releases_actions=RECORD_UPDATES,
        ),
        FunctionSpec(
            "CheckRollout",
            "check_rollout",
            "Check that every Deployment in the idle namespace has rolled out",
            timeout_seconds=60,
            in_vpc=True,
            cluster_access=view,
            describe_cluster=True,
            releases_actions=RECORD_UPDATES,
        ),
        FunctionSpec(
            "SmokeTests",
            "smoke_tests",
            "Run the smoke suite through the preprod host",
            timeout_seconds=smoke_seconds,
            in_vpc=True,
            releases_actions=RECORD_UPDATES,
        ),
        FunctionSpec(
            "RequestApproval",
            "request_approval",
            "Record a pending approval (task token) and notify the approvers",
            in_vpc=True,
            cluster_access=view,
            describe_cluster=True,
            releases_actions=(*RECORD_UPDATES, "PutItem"),
            describe_alarms=True,
        ),
        FunctionSpec(
            "DecideApproval",
            "decide_approval",
            "Approve or reject a pending release (called by people and the CLI, not by the workflow)",
            timeout_seconds=60,
            in_workflow=False,
            in_vpc=True,
            cluster_access=view,
            describe_cluster=True,
            releases_actions=("GetItem", "UpdateItem", "DeleteItem"),
            describe_alarms=True,
        ),
        FunctionSpec(
            "StartRelease",
            "start_release",
            "Start a release as the SigV4-verified caller, recording who it is (people and pipelines)",
            in_workflow=False,
            releases_actions=("UpdateItem",),
        ),
        FunctionSpec(
            "SlackInteractions",
            "slack_interactions",
            "Slack's Approve/Reject buttons: verify the signature, decide, update the message",
            timeout_seconds=30,
            in_workflow=False,
            in_vpc=True,
            cluster_access=view,
            describe_cluster=True,
            releases_actions=("GetItem", "UpdateItem", "DeleteItem"),
            describe_alarms=True,
        ),
        FunctionSpec(
            "PreSwitchChecks",
            "pre_switch_checks",
            "No alarm firing, idle healthy and unchanged since approval, preprod on idle",
            timeout_seconds=60,
            in_vpc=True,
            cluster_access=view,
            describe_cluster=True,
            releases_actions=RECORD_UPDATES,
            parameter_access=read,
            describe_alarms=True,
        ),
        FunctionSpec(
            "Switch",
            "switch",
            "Point the active-colour parameter at the idle colour",
            releases_actions=RECORD_UPDATES,  # GetItem also finds the Slack thread of the release
            parameter_access=read_write,
        ),
        FunctionSpec(
            "ConfirmGateways",
            "confirm_gateways",
            "Check that every live gateway acknowledged the switch or the rollback",
            timeout_seconds=60,
            releases_actions=RECORD_UPDATES,
            acks_actions=("Scan",),
        ),
        FunctionSpec(
            "CheckBake",
            "check_bake",
            "Watch the release's alarms while the new colour bakes",
            releases_actions=RECORD_UPDATES,
            describe_alarms=True,
        ),
        FunctionSpec(
            "Rollback",
            "rollback",
            "Flip the parameter back to the previous colour",
            timeout_seconds=60,
            releases_actions=RECORD_UPDATES,  # GetItem also finds the Slack thread of the release
            parameter_access=read_write,
        ),
        FunctionSpec(
            "Finish",
            "finish",
            "Release the lock and record success",
            # PutItem: a record deleted during the release is written again before the ending
            releases_actions=("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
        ),
        FunctionSpec(
            "RecordFailure",
            "record_failure",
            "Record why the release failed and release the lock",
            # PutItem: a release refused before Prepare wrote its record (or whose record was
            # deleted meanwhile) gets one here
            releases_actions=("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
            acks_actions=("Scan",),
            parameter_access=read,
        ),
        FunctionSpec(
            "ExecutionEnded",
            "execution_ended",
            "An execution stopped, timed out or failed without recording: release the lock, close it",
            in_workflow=False,
            # PutItem: a record deleted during the release is restored from the execution's input
            releases_actions=("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
            acks_actions=("Scan",),
            parameter_access=read,
        ),
    )


@dataclass(frozen=True)
class ReleaseFunctionsProps:
    config: AppConfig
    config_file_name: str
    code: lambda_.Code
    logs: EncryptedLogs
    network: ClusterNetwork
    tables: ReleaseTables
    parameter: ActiveColorParameter
    cluster: ClusterAccess


class ReleaseFunctions(Construct):
    """Builds every function in `release_function_specs` with its own role and log group."""

    def __init__(self, scope: Construct, construct_id: str, props: ReleaseFunctionsProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.specs = release_function_specs(props.config)
        self.roles: dict[str, iam.Role] = {}
        self.functions: dict[str, lambda_.Function] = {}
        self.access_entries: dict[str, Construct] = {}
        for spec in self.specs:
            self._build_function(spec)
        self.grant_secret_read("SmokeTests", smoke_secret_names(props.config))

    # -- building -------------------------------------------------------------------------

    def _build_function(self, spec: FunctionSpec) -> None:
        props = self._props
        role = execution_role(self, f"{spec.construct_id}Role", description=f"bluegreen {spec.construct_id}")
        log_group = props.logs.log_group(self, f"{spec.construct_id}Logs", name=f"lambda/{spec.construct_id}")
        log_group.grant_write(role)
        network = props.network if spec.in_vpc else None
        if network is not None:
            network.grant_eni_management(role)
        function = new_function(
            self,
            spec.construct_id,
            code=props.code,
            module=spec.module,
            role=role,
            log_group=log_group,
            environment=self._environment(spec),
            description=f"bluegreen: {spec.description}",
            timeout=Duration.seconds(spec.timeout_seconds),
            vpc=network.vpc if network else None,
            vpc_subnets=network.subnet_selection if network else None,
            security_groups=network.security_groups if network else None,
        )
        self._grant_tables(spec, role)
        self._grant_parameter(spec, role)
        self._grant_cluster(spec, role)
        self._grant_alarms(spec, role)
        self._grant_manifests(spec, role)
        self.roles[spec.construct_id] = role
        self.functions[spec.construct_id] = function

    def _environment(self, spec: FunctionSpec) -> dict[str, str]:
        tables = self._props.tables
        return function_environment(
            self._props.config_file_name,
            tables.releases.table_name,
            tables.acks.table_name if spec.acks_actions else None,
        )

    def _grant_tables(self, spec: FunctionSpec, role: iam.IRole) -> None:
        tables = self._props.tables
        for table, actions in ((tables.releases, spec.releases_actions), (tables.acks, spec.acks_actions)):
            if actions:
                _grant_items(role, table, actions)

    def _grant_parameter(self, spec: FunctionSpec, role: iam.IRole) -> None:
        parameter = self._props.parameter
        if spec.parameter_access is not None:
            parameter.grant_read(role)
        if spec.parameter_access is ParameterAccess.READ_WRITE:
            parameter.grant_write(role)

    def _grant_cluster(self, spec: FunctionSpec, role: iam.IRole) -> None:
        cluster = self._props.cluster
        if spec.describe_cluster or spec.cluster_access is not None:
            cluster.grant_describe_cluster(role)
        if spec.cluster_access is not None:
            self.access_entries[spec.construct_id] = cluster.add_access_entry(
                f"{spec.construct_id}AccessEntry", role, spec.cluster_access
            )

    def _grant_alarms(self, spec: FunctionSpec, role: iam.IRole) -> None:
        if spec.describe_alarms:
            grant_describe_alarms(role)

    def _grant_manifests(self, spec: FunctionSpec, role: iam.IRole) -> None:
        """Read the release manifests (input `manifests`), only from the configured bucket."""
        bucket = self._props.config.manifests_bucket
        if spec.read_manifests and bucket:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["s3:GetObject"], resources=[manifests_objects_arn(self, bucket)])
            )

    @property
    def config(self) -> AppConfig:
        return self._props.config

    # -- wiring to the workflow and beyond --------------------------------------------------

    def workflow_substitutions(self) -> dict[str, str]:
        """`${<Id>FunctionArn}` -> ARN, for every function the workflow invokes."""
        return {
            spec.substitution_key: self.functions[spec.construct_id].function_arn
            for spec in self.specs
            if spec.in_workflow
        }

    def workflow_functions(self) -> list[lambda_.Function]:
        return [self.functions[spec.construct_id] for spec in self.specs if spec.in_workflow]

    def grant_execution_lookup(self, function_id: str, state_machine: sfn.StateMachine) -> iam.Policy:
        """DescribeExecution on this state machine's executions (is the lock holder still running?).

        A separate policy, not the role's default policy: the function must not depend on the
        state machine, which depends on the function's ARN.
        """
        stack = Stack.of(self)
        executions = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{state_machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        return iam.Policy(
            self,
            f"{function_id}ExecutionLookup",
            statements=[iam.PolicyStatement(actions=["states:DescribeExecution"], resources=[executions])],
            roles=[self.roles[function_id]],
        )

    def grant_task_response(self, function_id: str, state_machine: sfn.IStateMachine) -> None:
        """SendTaskSuccess/SendTaskFailure: resolve a pending approval's task token."""
        self.roles[function_id].add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:SendTaskSuccess", "states:SendTaskFailure"],
                resources=[state_machine.state_machine_arn],
            )
        )

    def grant_secret_read(self, function_id: str, secret_names: Sequence[str]) -> None:
        """GetSecretValue on exactly these secrets (by name, or by ARN as written in the config).

        A name matches its ARN plus the six random characters Secrets Manager appends.
        """
        stack = Stack.of(self)
        arns = [
            name
            if name.startswith("arn:")
            else stack.format_arn(
                service="secretsmanager",
                resource="secret",
                resource_name=f"{name}-??????",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for name in secret_names
        ]
        if arns:
            self.roles[function_id].add_to_principal_policy(
                iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=arns)
            )


def grant_describe_alarms(role: iam.IRole) -> None:
    """DescribeAlarms on `*`: the watched alarms include each colour's composite release-health
    alarm, and DescribeAlarms returns composite alarms only to a caller allowed on `*` (CloudWatch
    API reference, DescribeAlarms). A narrower grant reads the composite as missing, which refuses
    every release. The action reads alarm states only, and has no condition keys to narrow it."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=["cloudwatch:DescribeAlarms"], resources=["*"]))


def manifests_objects_arn(scope: Construct, bucket: str) -> str:
    """`arn:<partition>:s3:::<bucket>/*`, in the stack's partition (S3 ARNs have no region or account)."""
    return Stack.of(scope).format_arn(
        service="s3",
        region="",
        account="",
        resource=bucket,
        resource_name="*",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


def _grant_items(role: iam.IRole, table: dynamodb.ITable, actions: Sequence[str]) -> None:
    """Item-level actions on the table itself (no index, no stream: none is needed)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=[f"dynamodb:{action}" for action in actions], resources=[table.table_arn])
    )


def smoke_secret_names(config: AppConfig) -> list[str]:
    """The distinct Secrets Manager secrets the smoke suite reads (config.smoke.suite.secrets)."""
    suite = config.smoke.suite
    if suite is None:
        return []
    return sorted({ref.name for ref in suite.secrets.values()})
