"""A small, stdlib-only AWS client for the gateway agent.

The agent must stay under 40 MB resident memory; botocore alone costs about 30 MB. It needs two
calls (SSM GetParameter, DynamoDB PutItem), both on the AWS JSON protocol, so this package does
just that: SigV4 signing (`sigv4`), credentials from the environment, the shared credentials
file or IMDSv2 (`credentials`), and a keep-alive JSON-protocol client (`json_client`).

Only the standard library is imported here; `tests/unit/test_gateway_aws_footprint.py` keeps it so.
"""

from __future__ import annotations

from bluegreen.gateway.aws.credentials import (
    CredentialChain,
    Credentials,
    CredentialsProvider,
    StaticCredentials,
    resolve_region,
)
from bluegreen.gateway.aws.errors import (
    AwsConfigError,
    AwsCredentialsError,
    AwsError,
    AwsServiceError,
    AwsTransportError,
)
from bluegreen.gateway.aws.imds import InstanceMetadata
from bluegreen.gateway.aws.json_client import JsonApiClient, JsonCaller, default_endpoint
from bluegreen.gateway.aws.sigv4 import sign_request

__all__ = [
    "AwsConfigError",
    "AwsCredentialsError",
    "AwsError",
    "AwsServiceError",
    "AwsTransportError",
    "CredentialChain",
    "Credentials",
    "CredentialsProvider",
    "InstanceMetadata",
    "JsonApiClient",
    "JsonCaller",
    "StaticCredentials",
    "default_endpoint",
    "resolve_region",
    "sign_request",
]
