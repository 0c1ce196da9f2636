"""The active-colour SSM parameter the gateways poll: created once, never rewritten by a deploy.

The value routes payment traffic, so CloudFormation must not own it: an `AWS::SSM::Parameter`
would write its template `Value` back on any update of the resource (a changed description,
tag or pattern). Instead a custom resource calls PutParameter with `Overwrite: false`, on
create and on update alike: the parameter is created with the initial colour if it does not
exist, and an existing parameter (whatever colour the workflow last switched to) is left
exactly as it is (`ParameterAlreadyExists` is the expected, ignored answer). There is no
delete call: deleting the stack leaves the parameter, and the traffic, where they are.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from bluegreen.colors import Color
from stacks.constructs.encryption import EncryptedLogs
from stacks.lambda_defaults import execution_role

ALLOWED_PATTERN = "^(blue|green)$"
ALREADY_EXISTS = "ParameterAlreadyExists"


class ActiveColorParameter(Construct):
    """Creates `name` = `initial_color` once; exposes its ARN and least-privilege grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        parameter_name: str,
        initial_color: Color,
        logs: EncryptedLogs,
    ) -> None:
        super().__init__(scope, construct_id)
        self.parameter_name = parameter_name
        self.parameter_arn = Stack.of(self).format_arn(
            service="ssm",
            resource="parameter",
            resource_name=parameter_name.lstrip("/"),
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self._initial_color = initial_color
        self.provider_role = self._build_provider_role()
        self.resource = self._build_create_once(logs)

    def _build_provider_role(self) -> iam.Role:
        """Our own role for the custom-resource provider: no AWSLambdaBasicExecutionRole."""
        return execution_role(
            self, "ProviderRole", description="bluegreen: creates the active-colour parameter once"
        )

    def _put_parameter_call(self) -> cr.AwsSdkCall:
        return cr.AwsSdkCall(
            service="SSM",
            action="PutParameter",
            parameters={
                "Name": self.parameter_name,
                "Value": self._initial_color.value,
                "Type": "String",
                "AllowedPattern": ALLOWED_PATTERN,
                "Overwrite": False,
                "Description": "bluegreen active colour: the gateways route live traffic to it",
            },
            physical_resource_id=cr.PhysicalResourceId.of(self.parameter_name),
            ignore_error_codes_matching=ALREADY_EXISTS,
            logging=cr.Logging.with_data_hidden(),
        )

    def _build_create_once(self, logs: EncryptedLogs) -> cr.AwsCustomResource:
        log_group = logs.log_group(self, "ProviderLogs", name="lambda/ActiveColorProvider")
        log_group.grant_write(self.provider_role)
        call = self._put_parameter_call()
        return cr.AwsCustomResource(
            self,
            "CreateOnce",
            resource_type="Custom::ActiveColorParameter",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["ssm:PutParameter"], resources=[self.parameter_arn])]
            ),
            role=self.provider_role,
            log_group=log_group,
            install_latest_aws_sdk=False,
            timeout=Duration.minutes(1),
        )

    def grant_read(self, principal: iam.IGrantable) -> None:
        """A fresh GetParameter (callers must not cache the colour they act on)."""
        principal.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[self.parameter_arn])
        )

    def grant_write(self, principal: iam.IGrantable) -> None:
        """PutParameter; SSM itself refuses anything but `blue`/`green` (AllowedPattern)."""
        principal.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["ssm:PutParameter"], resources=[self.parameter_arn])
        )
