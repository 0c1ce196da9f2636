"""The stack's customer-managed KMS key and the encrypted log groups that use it."""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.lambda_defaults import LOG_RETENTION


class EncryptedLogs(Construct):
    """A rotating KMS key that CloudWatch Logs in this region may use, and a log-group factory."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
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
        log_groups_in_account = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name="*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsOfThisAccountAndRegion",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups_in_account}},
            )
        )
        return key

    def log_group(self, scope: Construct, construct_id: str) -> logs.LogGroup:
        """A log group encrypted with the stack key, with the shared retention, kept on stack delete."""
        return logs.LogGroup(
            scope,
            construct_id,
            encryption_key=self.key,
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN,
        )
