"""Approvals: Slack's interactivity endpoint, the CLI's IAM-signed decide endpoint, the console's
decision workflow, and the managed policy an approvers role needs for all three.

- SlackInteractions gets a Function URL with AuthType NONE: Slack cannot sign with SigV4, so the
  function verifies Slack's own signature (signing secret from Secrets Manager) before anything.
- DecideApproval gets a Function URL with AuthType AWS_IAM: AWS verifies the caller's SigV4
  signature and hands the function the caller's ARN, which is what the record names.
- The decision workflow (statemachines/decision.asl.json) is one Task invoking DecideApproval
  with the execution input; approvers start it from the console.
- Slack's bot token is readable by every function that may notify; the signing secret only by
  SlackInteractions. Both by name pattern (`<name>-??????`), never by value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import ArnFormat, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from bluegreen import stack_outputs
from bluegreen.config import AppConfig
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
    release_state_machine: sfn.IStateMachine
    logs: EncryptedLogs
    definition_path: Path = DECISION_ASL


class Approvals(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ApprovalsProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        functions = props.functions
        self.decide = functions.functions["DecideApproval"]
        self.interactions = functions.functions["SlackInteractions"]
        functions.grant_task_response("SlackInteractions", props.release_state_machine)
        self._grant_slack_secrets()
        self.decide_url = self.decide.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
        self.slack_url = self.interactions.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
        self.decision_workflow = self._build_decision_workflow()
        self.approvers_policy = self._build_approvers_policy()
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

    def _build_decision_workflow(self) -> sfn.StateMachine:
        machine = sfn.StateMachine(
            self,
            "DecisionWorkflow",
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

    def _build_approvers_policy(self) -> iam.ManagedPolicy:
        """Everything an approver needs: start the decision workflow and read its result, call
        the decide URL (CLI). Attach it to the approvers role; nobody else should hold it."""
        machine = self.decision_workflow
        executions = Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=f"{machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
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
                    resources=[executions],
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

    def _build_outputs(self) -> None:
        outputs = {
            stack_outputs.DECIDE_URL: (self.decide_url.url, "bluegreen approve/reject call this (SigV4)"),
            stack_outputs.SLACK_INTERACTIONS_URL: (
                self.slack_url.url,
                "The Slack app's Interactivity Request URL",
            ),
            stack_outputs.DECISION_STATE_MACHINE_ARN: (
                self.decision_workflow.state_machine_arn,
                "Start with {release_id, decision, reason} to decide from the console",
            ),
            stack_outputs.APPROVERS_POLICY_ARN: (
                self.approvers_policy.managed_policy_arn,
                "Attach to the approvers role",
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
                    applies_to=[nag.THIS_STATE_MACHINES_EXECUTIONS],
                )
            ],
        )
