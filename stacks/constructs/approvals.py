"""Approvals and who starts releases: the doors, and the two separate policies people hold.

- StartRelease gets a Function URL with AuthType AWS_IAM: the entry point that starts releases as
  the SigV4-verified caller. Its role is the only one this stack lets StartExecution the release
  workflow.
- SlackInteractions gets a Function URL with AuthType NONE: Slack cannot sign with SigV4, so the
  function verifies Slack's own signature (signing secret from Secrets Manager) before anything.
- DecideApproval gets a Function URL with AuthType AWS_IAM: AWS verifies the caller's SigV4
  signature and hands the function the caller's ARN, which is what the record names.
- The decision workflow (statemachines/decision.asl.json) is one Task invoking DecideApproval
  with the execution input; approvers start it from the console. Its name is fixed
  (`bluegreen-<app>-<env>-decision`) so that DecideApproval can prove a console decision with
  DescribeExecution against it without depending on it.
- Two managed policies, attached outside this stack: approvers may decide (decision workflow,
  decide URL) and cannot start releases; release starters may start and follow releases
  (StartRelease URL, reads) and cannot decide.
- Slack's bot token is readable by every function that may notify; the signing secret only by
  SlackInteractions. Both by name pattern (`<name>-??????`), never by value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import ArnFormat, CfnOutput, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from bluegreen import stack_outputs
from bluegreen.adapters.release_store import HISTORY_INDEX
from bluegreen.config import AppConfig
from bluegreen.release.console import decision_state_machine_name
from stacks import nag
from stacks.constructs.encryption import EncryptedLogs
from stacks.constructs.release_functions import ReleaseFunctions
from stacks.constructs.workflow import PARTITION_SUBSTITUTION

DECISION_ASL = Path(__file__).resolve().parents[2] / "statemachines" / "decision.asl.json"
NOTIFYING_FUNCTIONS = (
    "Prepare",
    "RequestApproval",
    "DecideApproval",
    "SlackInteractions",
    "Switch",
    "Rollback",
    "Finish",
    "RecordFailure",
    "ExecutionEnded",
)
"""The functions that post to Slack (Notification senders and the approval message updates)."""


@dataclass(frozen=True)
class ApprovalsProps:
    config: AppConfig
    functions: ReleaseFunctions
    release_state_machine: sfn.StateMachine
    releases_table: dynamodb.ITable
    logs: EncryptedLogs
    definition_path: Path = DECISION_ASL


class Approvals(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ApprovalsProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        functions = props.functions
        self.decide = functions.functions["DecideApproval"]
        self.interactions = functions.functions["SlackInteractions"]
        self.start = functions.functions["StartRelease"]
        functions.grant_task_response("SlackInteractions", props.release_state_machine)
        self._grant_slack_secrets()
        self._build_start_release()
        self.decide_url = self.decide.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
        self.slack_url = self.interactions.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
        self.start_url = self.start.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
        self.decision_workflow = self._build_decision_workflow()
        self.console_proof = self._grant_console_proof()
        self.approvers_policy = self._build_approvers_policy()
        self.starters_policy = self._build_starters_policy()
        self._build_outputs()
        self._suppress_findings()

    def _grant_slack_secrets(self) -> None:
        approvals = self._props.config.approvals
        functions = self._props.functions
        if approvals.slack_bot_token_secret:
            for function_id in NOTIFYING_FUNCTIONS:
                if function_id in functions.functions:
                    functions.grant_secret_read(function_id, [approvals.slack_bot_token_secret])
        if approvals.slack_signing_secret_secret:
            functions.grant_secret_read("SlackInteractions", [approvals.slack_signing_secret_secret])

    def _build_start_release(self) -> None:
        """StartRelease starts the release workflow: the only StartExecution this stack grants."""
        machine = self._props.release_state_machine
        self.start.add_environment("RELEASE_STATE_MACHINE_ARN", machine.state_machine_arn)
        self._props.functions.roles["StartRelease"].add_to_principal_policy(
            iam.PolicyStatement(actions=["states:StartExecution"], resources=[machine.state_machine_arn])
        )

    def _executions_of(self, state_machine_name: str) -> str:
        return Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=f"{state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    @property
    def decision_name(self) -> str:
        config = self._props.config
        return decision_state_machine_name(config.app, config.environment)

    def _build_decision_workflow(self) -> sfn.StateMachine:
        machine = sfn.StateMachine(
            self,
            "DecisionWorkflow",
            state_machine_name=self.decision_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(self._props.definition_path)),
            definition_substitutions={
                "DecideApprovalFunctionArn": self.decide.function_arn,
                **PARTITION_SUBSTITUTION,
            },
            logs=sfn.LogOptions(
                destination=self._props.logs.log_group(
                    self, "DecisionLogs", name="decision", state_machine=True
                ),
                level=sfn.LogLevel.ALL,
                # The input is a release id, a decision and a reason: no token, worth keeping.
                include_execution_data=True,
            ),
            tracing_enabled=True,
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self.decide.function_arn])
        )
        return machine

    def _grant_console_proof(self) -> iam.Policy:
        """DescribeExecution on the decision workflow's executions, by name (no dependency cycle)."""
        return iam.Policy(
            self,
            "DecideApprovalConsoleProof",
            statements=[
                iam.PolicyStatement(
                    actions=["states:DescribeExecution"], resources=[self._executions_of(self.decision_name)]
                )
            ],
            roles=[self._props.functions.roles["DecideApproval"]],
        )

    def _build_approvers_policy(self) -> iam.ManagedPolicy:
        """Everything an approver needs: start the decision workflow and read its result, call
        the decide URL (CLI). Nothing that starts a release. Attach it to the approvers role."""
        machine = self.decision_workflow
        return iam.ManagedPolicy(
            self,
            "ApproversPolicy",
            description="bluegreen: approve or reject releases (console decision workflow, CLI)",
            statements=[
                iam.PolicyStatement(
                    actions=["states:StartExecution", "states:DescribeStateMachine", "states:ListExecutions"],
                    resources=[machine.state_machine_arn],
                ),
                iam.PolicyStatement(
                    actions=["states:DescribeExecution", "states:GetExecutionHistory"],
                    resources=[self._executions_of(self.decision_name)],
                ),
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunctionUrl"],
                    resources=[self.decide.function_arn],
                    conditions={"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
                ),
                # Function URLs created since October 2025 also need lambda:InvokeFunction (Lambda
                # developer guide, "Control access to Lambda function URLs"); the condition keeps it
                # to calls through the URL, so approvers gain no direct-invoke path around it.
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"],
                    resources=[self.decide.function_arn],
                    conditions={"Bool": {"lambda:InvokedViaFunctionUrl": "true"}},
                ),
            ],
        )

    def _build_starters_policy(self) -> iam.ManagedPolicy:
        """Everything a person or a pipeline needs to start a release and follow it to the end
        (`bluegreen release start --wait`, status, history). Nothing that decides."""
        release = self._props.release_state_machine
        table = self._props.releases_table
        return iam.ManagedPolicy(
            self,
            "ReleaseStartersPolicy",
            description="bluegreen: start releases through StartRelease and follow them",
            statements=[
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunctionUrl"],
                    resources=[self.start.function_arn],
                    conditions={"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
                ),
                iam.PolicyStatement(  # function URLs created since October 2025 need both actions
                    actions=["lambda:InvokeFunction"],
                    resources=[self.start.function_arn],
                    conditions={"Bool": {"lambda:InvokedViaFunctionUrl": "true"}},
                ),
                iam.PolicyStatement(
                    actions=["states:DescribeExecution", "states:GetExecutionHistory"],
                    resources=[self._executions_of(release.state_machine_name)],
                ),
                iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[table.table_arn]),
                iam.PolicyStatement(
                    actions=["dynamodb:Query"], resources=[f"{table.table_arn}/index/{HISTORY_INDEX}"]
                ),
                iam.PolicyStatement(
                    actions=["cloudformation:DescribeStacks"], resources=[Stack.of(self).stack_id]
                ),
            ],
        )

    def _build_outputs(self) -> None:
        outputs = {
            stack_outputs.START_RELEASE_URL: (
                self.start_url.url,
                "bluegreen release start calls this (SigV4)",
            ),
            stack_outputs.RELEASE_STARTERS_POLICY_ARN: (
                self.starters_policy.managed_policy_arn,
                "Attach to the roles that start releases (people, pipelines); not to approvers",
            ),
            stack_outputs.DECIDE_URL: (self.decide_url.url, "bluegreen approve/reject call this (SigV4)"),
            stack_outputs.SLACK_INTERACTIONS_URL: (
                self.slack_url.url,
                "The Slack app's Interactivity Request URL",
            ),
            stack_outputs.DECISION_STATE_MACHINE_ARN: (
                self.decision_workflow.state_machine_arn,
                "Start with {release_id, decision: reject, reason} to reject from the console",
            ),
            stack_outputs.APPROVERS_POLICY_ARN: (
                self.approvers_policy.managed_policy_arn,
                "Attach to the approvers role; not to the roles that start releases",
            ),
        }
        for output_id, (value, description) in outputs.items():
            output = CfnOutput(self, output_id, value=value, description=description)
            output.override_logical_id(output_id)

    def _suppress_findings(self) -> None:
        NagSuppressions.add_resource_suppressions(
            self.decision_workflow.role,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5", reason=nag.STATE_MACHINE_REASON, applies_to=[nag.ANY_RESOURCE]
                )
            ],
            apply_to_children=True,
        )
        NagSuppressions.add_resource_suppressions(
            self.approvers_policy,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=nag.APPROVER_EXECUTIONS_REASON,
                    applies_to=[nag.DECISION_WORKFLOW_EXECUTIONS],
                )
            ],
        )
        NagSuppressions.add_resource_suppressions(
            self.console_proof,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=nag.CONSOLE_PROOF_REASON,
                    applies_to=[nag.DECISION_WORKFLOW_EXECUTIONS],
                )
            ],
        )
        NagSuppressions.add_resource_suppressions(
            self.starters_policy,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=nag.STARTERS_EXECUTIONS_REASON,
                    applies_to=[nag.THIS_STATE_MACHINES_EXECUTIONS],
                )
            ],
        )
