"""Defaults shared by every release Lambda, in one place.

The runtime is pinned to Python 3.12 because scripts/build_lambda_asset.py installs cp312
manylinux x86_64 wheels: the runtime, the architecture and the wheels change together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
MEMORY_MB = 512
"""The kubernetes client and pydantic make imports heavy; 512 MB also buys CPU for cold starts."""
DEFAULT_TIMEOUT = Duration.seconds(30)
TRACING = lambda_.Tracing.ACTIVE
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS

POWERTOOLS_ENVIRONMENT: Mapping[str, str] = {
    "POWERTOOLS_SERVICE_NAME": "bluegreen",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


def handler_for(module: str) -> str:
    """`prepare` -> `lambdas.prepare.handler`: one asset, one module per function."""
    return f"lambdas.{module}.handler"


def execution_role(scope: Construct, construct_id: str, *, description: str) -> iam.Role:
    """A role with no managed policy: logs, X-Ray and every grant are added explicitly."""
    return iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=description,
    )


def new_function(
    scope: Construct,
    construct_id: str,
    *,
    code: lambda_.Code,
    module: str,
    role: iam.IRole,
    log_group: logs.ILogGroup,
    environment: Mapping[str, str],
    description: str,
    timeout: Duration = DEFAULT_TIMEOUT,
    vpc: ec2.IVpc | None = None,
    vpc_subnets: ec2.SubnetSelection | None = None,
    security_groups: Sequence[ec2.ISecurityGroup] | None = None,
) -> lambda_.Function:
    """A release Lambda with the shared defaults; the caller owns its role and log group."""
    return lambda_.Function(
        scope,
        construct_id,
        code=code,
        handler=handler_for(module),
        runtime=RUNTIME,
        architecture=ARCHITECTURE,
        memory_size=MEMORY_MB,
        timeout=timeout,
        tracing=TRACING,
        role=role,
        log_group=log_group,
        description=description,
        environment={**POWERTOOLS_ENVIRONMENT, **environment},
        vpc=vpc,
        vpc_subnets=vpc_subnets,
        security_groups=list(security_groups) if security_groups is not None else None,
    )
