"""The stack's customer-managed KMS key and the encrypted log groups that use it.

Every log group the stack creates is named under the stack's own prefix, so that the key policy
lets CloudWatch Logs use the key for these log groups only, not for every log group of the account:
Lambda and custom-resource logs under `/bluegreen/<app>/<env>/`, state machine logs under
`/aws/vendedlogs/states/bluegreen/<app>/<env>/` (the vended-logs prefix keeps Step Functions from
adding to the account's CloudWatch Logs resource policy, which has a size limit).
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.lambda_defaults import LOG_RETENTION


class EncryptedLogs(Construct):
    """A rotating KMS key that CloudWatch Logs in this region may use for this stack's log groups,
    and the factory of those log groups. `name` is `<app>/<env>`."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str) -> None:
        super().__init__(scope, construct_id)
        self.prefix = f"/bluegreen/{name}"
        self.vended_prefix = f"/aws/vendedlogs/states/bluegreen/{name}"
        self.key = self._build_key()

    def _build_key(self) -> kms.Key:
        key = kms.Key(
            self,
            "Key",
            description="bluegreen: encrypts the release workflow's and Lambdas' log groups",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        stack = Stack.of(self)
        this_stacks_log_groups = [
            stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name=f"{prefix}/*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for prefix in (self.prefix, self.vended_prefix)
        ]
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsForThisStacksLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": this_stacks_log_groups}},
            )
        )
        return key

    def log_group(
        self, scope: Construct, construct_id: str, *, name: str, state_machine: bool = False
    ) -> logs.LogGroup:
        """A log group named `<prefix>/<name>`, encrypted with the stack key, with the shared
        retention, kept on stack delete. State machines log under the vended-logs prefix."""
        return logs.LogGroup(
            scope,
            construct_id,
            log_group_name=f"{self.vended_prefix if state_machine else self.prefix}/{name}",
            encryption_key=self.key,
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN,
        )
