"""SSM and DynamoDB adapters with botocore's Stubber: error mapping and the ack item's shape."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bluegreen.gateway.acks import AckRecord, DynamoAckWriter
from bluegreen.gateway.errors import (
    AckWriteError,
    ParameterMissingError,
    ParameterThrottledError,
    ParameterUnavailableError,
)
from bluegreen.gateway.ssm_source import ParameterReading, SsmParameterSource

NAME = "/bluegreen/myapp/prod/active-color"


CREDENTIALS: dict[str, Any] = {
    "region_name": "eu-west-1",
    "aws_access_key_id": "x",
    "aws_secret_access_key": "y",
}


def client(service: str) -> Any:
    if service == "ssm":
        return boto3.client("ssm", **CREDENTIALS)
    return boto3.client("dynamodb", **CREDENTIALS)


def test_reads_value_and_version_without_decryption():
    ssm = client("ssm")
    with Stubber(ssm) as stub:
        stub.add_response(
            "get_parameter",
            {"Parameter": {"Name": NAME, "Type": "String", "Value": "green", "Version": 9}},
            {"Name": NAME, "WithDecryption": False},
        )
        assert SsmParameterSource(ssm, NAME).read() == ParameterReading("green", 9)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ParameterNotFound", ParameterMissingError),
        ("ThrottlingException", ParameterThrottledError),
        ("InternalServerError", ParameterUnavailableError),
        ("AccessDeniedException", ParameterUnavailableError),
    ],
)
def test_ssm_errors_are_classified(code, error):
    ssm = client("ssm")
    with Stubber(ssm) as stub:
        stub.add_client_error("get_parameter", service_error_code=code, service_message="nope")
        with pytest.raises(error, match=NAME):
            SsmParameterSource(ssm, NAME).read()


def test_the_ack_item_matches_the_workflow_contract():
    dynamodb = client("dynamodb")
    record = AckRecord(
        gateway_id="gw-a",
        parameter_name=NAME,
        mode="runtime",
        heartbeat_at="2026-01-01T00:00:02+00:00",
        color="green",
        parameter_version=12,
        applied_at="2026-01-01T00:00:01+00:00",
    )
    with Stubber(dynamodb) as stub:
        stub.add_response(
            "put_item",
            {},
            {
                "TableName": "acks",
                "Item": {
                    "gateway_id": {"S": "gw-a"},
                    "parameter_name": {"S": NAME},
                    "mode": {"S": "runtime"},
                    "heartbeat_at": {"S": "2026-01-01T00:00:02+00:00"},
                    "color": {"S": "green"},
                    "parameter_version": {"N": "12"},
                    "applied_at": {"S": "2026-01-01T00:00:01+00:00"},
                },
            },
        )
        DynamoAckWriter(dynamodb, "acks").write(record)


def test_an_error_is_written_and_truncated():
    item: dict[str, Any] = dict(AckRecord("gw-a", NAME, "reload", "t", error="x" * 5000).to_item())
    assert len(item["error"]["S"]) == 2000
    assert "color" not in item


def test_ack_write_failures_are_wrapped():
    dynamodb = client("dynamodb")
    with Stubber(dynamodb) as stub:
        stub.add_client_error(
            "put_item", service_error_code="ResourceNotFoundException", service_message="no table"
        )
        with pytest.raises(AckWriteError, match="ResourceNotFoundException"):
            DynamoAckWriter(dynamodb, "acks").write(AckRecord("gw-a", NAME, "runtime", "t"))
