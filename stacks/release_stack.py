"""The bluegreen stack for one application environment. It only composes constructs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from bluegreen import stack_outputs
from bluegreen.config import AppConfig
from bluegreen.stack_outputs import stack_name
from stacks import nag
from stacks.constructs.active_color import ActiveColorParameter
from stacks.constructs.approvals import Approvals, ApprovalsProps
from stacks.constructs.cluster_access import ClusterAccess
from stacks.constructs.delivery_metrics import DeliveryMetrics, DeliveryMetricsProps
from stacks.constructs.encryption import EncryptedLogs
from stacks.constructs.execution_events import ExecutionEndedRule
from stacks.constructs.gateway_access import GatewayAccess
from stacks.constructs.network import ClusterNetwork
from stacks.constructs.release_alarms import ReleaseAlarms
from stacks.constructs.release_functions import ReleaseFunctions, ReleaseFunctionsProps
from stacks.constructs.rollback_events import RollbackEvents, RollbackEventsProps
from stacks.constructs.storage import ReleaseTables
from stacks.constructs.workflow import ReleaseWorkflow


def stack_name_for(config: AppConfig) -> str:
    return stack_name(config.app, config.environment)


class ReleaseStack(Stack):
    """Everything one `config/<app>.yaml` needs: workflow, Lambdas, tables, parameter, gateway policies.

    `lambda_code` is the one asset shared by every function (app.py: build/lambda; tests: a tiny
    directory); `config_file_name` is where that asset holds the config (`config/<name>`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        config_file_name: str,
        lambda_code: lambda_.Code,
        definition_path: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.logs = EncryptedLogs(self, "Encryption", name=f"{config.app}/{config.environment}")
        self.network = ClusterNetwork(self, "Network", cluster=config.cluster)
        self.tables = ReleaseTables(self, "Tables")
        self.parameter = ActiveColorParameter(
            self,
            "ActiveColor",
            parameter_name=config.parameter_name,
            initial_color=config.initial_color,
            logs=self.logs,
        )
        self.cluster = ClusterAccess(self, "Cluster", cluster=config.cluster, namespaces=config.namespaces)
        self.functions = ReleaseFunctions(
            self,
            "Functions",
            ReleaseFunctionsProps(
                config=config,
                config_file_name=config_file_name,
                code=lambda_code,
                logs=self.logs,
                network=self.network,
                tables=self.tables,
                parameter=self.parameter,
                cluster=self.cluster,
            ),
        )
        self.workflow = ReleaseWorkflow(
            self,
            "Workflow",
            definition_path=definition_path,
            substitutions=self.functions.workflow_substitutions(),
            functions=self.functions.workflow_functions(),
            logs=self.logs,
        )
        self.execution_lookup = self.functions.grant_execution_lookup("Prepare", self.workflow.state_machine)
        # ExecutionEnded reads the input of an execution whose record was deleted, to restore it
        self.ended_lookup = self.functions.grant_execution_lookup(
            "ExecutionEnded", self.workflow.state_machine
        )
        self.functions.grant_task_response("DecideApproval", self.workflow.state_machine)
        self.execution_ended = ExecutionEndedRule(
            self,
            "ExecutionEnded",
            state_machine=self.workflow.state_machine,
            function=self.functions.functions["ExecutionEnded"],
        )
        # Approvals and release starts: the IAM-signed StartRelease URL, Slack interactivity URL,
        # IAM-signed decide URL (CLI), the console's decision workflow, the approvers' and the
        # release starters' managed policies and the Slack secrets' read grants.
        self.approvals = Approvals(
            self,
            "Approvals",
            ApprovalsProps(
                config=config,
                functions=self.functions,
                release_state_machine=self.workflow.state_machine,
                releases_table=self.tables.releases,
                logs=self.logs,
            ),
        )
        self.gateways = GatewayAccess(
            self,
            "Gateways",
            gateway_ids=config.gateways.ids,
            parameter=self.parameter,
            acks_table=self.tables.acks,
        )
        # Rollback after the workflow: release-health alarms per colour, alarm -> rollback,
        # and the old colour scaled down only when the rollback window closes.
        self.release_alarms = ReleaseAlarms(self, "ReleaseAlarms", config=config)
        self.rollback = RollbackEvents(
            self,
            "RollbackAfterRelease",
            RollbackEventsProps(
                config=config,
                config_file_name=config_file_name,
                code=lambda_code,
                logs=self.logs,
                network=self.network,
                tables=self.tables,
                parameter=self.parameter,
                cluster=self.cluster,
                alarm_names=self.release_alarms.alarm_names(),
                state_machine=self.workflow.state_machine,
            ),
        )
        self.metrics = DeliveryMetrics(
            self,
            "Metrics",
            DeliveryMetricsProps(
                config=config,
                config_file_name=config_file_name,
                code=lambda_code,
                logs=self.logs,
                tables=self.tables,
                parameter=self.parameter,
                alarms=self.release_alarms,
            ),
        )
        CfnOutput(
            self,
            stack_outputs.ROLLBACK_FUNCTION,
            value=self.rollback.rollback_function.function_name,
            description="Invoke to roll the latest finished release back (bluegreen rollback)",
        )
        self._build_outputs()
        nag.suppress_release_stack_findings(
            functions=self.functions,
            execution_lookups=(self.execution_lookup, self.ended_lookup),
            state_machine_role=self.workflow.state_machine.role,
        )

    def _build_outputs(self) -> None:
        CfnOutput(self, stack_outputs.STATE_MACHINE_ARN, value=self.workflow.state_machine.state_machine_arn)
        CfnOutput(
            self,
            stack_outputs.DECIDE_FUNCTION,
            value=self.functions.functions["DecideApproval"].function_name,
            description="Break-glass only (a direct invoke is recorded as such): approve with Slack or "
            "bluegreen approve",
        )
        CfnOutput(self, stack_outputs.RELEASES_TABLE, value=self.tables.releases.table_name)
        CfnOutput(self, stack_outputs.ACKS_TABLE, value=self.tables.acks.table_name)
        CfnOutput(self, stack_outputs.PARAMETER_NAME, value=self.parameter.parameter_name)
        CfnOutput(
            self,
            stack_outputs.DASHBOARD_NAME,
            value=self.metrics.dashboard.dashboard.dashboard_name,
            description="CloudWatch dashboard: delivery figures, outcomes, colours, alarms, gateways",
        )
        seen: dict[str, str] = {}
        for gateway_id, policy in self.gateways.policies.items():
            output_id = stack_outputs.GATEWAY_POLICY_PREFIX + "".join(
                p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", gateway_id)
            )
            if output_id in seen:
                raise ValueError(
                    f"gateway ids {seen[output_id]!r} and {gateway_id!r} need distinct output names"
                )
            seen[output_id] = gateway_id
            CfnOutput(
                self,
                output_id,
                value=policy.managed_policy_arn,
                description=f"Attach to gateway {gateway_id}'s role",
            )
