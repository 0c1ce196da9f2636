"""The SSM and DynamoDB adapters over a fake JSON caller: the requests they send, error mapping, the ack item.

The real HTTP client underneath is tested in test_gateway_json_client.py (local servers) and against
moto in server mode (tests/integration).
"""

from __future__ import annotations

from typing import Any

import pytest

from bluegreen.gateway.acks import AckRecord, DynamoAckWriter
from bluegreen.gateway.aws import AwsServiceError, AwsTransportError
from bluegreen.gateway.errors import (
    AckWriteError,
    ParameterMissingError,
    ParameterThrottledError,
    ParameterUnavailableError,
)
from bluegreen.gateway.ssm_source import ParameterReading, SsmParameterSource

NAME = "/bluegreen/myapp/prod/active-color"


class FakeCaller:
    """Records each (operation, payload) and answers with the next canned response or error."""

    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, payload))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_reads_value_and_version_without_decryption():
    ssm = FakeCaller({"Parameter": {"Name": NAME, "Type": "String", "Value": "green", "Version": 9}})

    assert SsmParameterSource(ssm, NAME).read() == ParameterReading("green", 9)
    assert ssm.calls == [("GetParameter", {"Name": NAME, "WithDecryption": False})]


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (AwsServiceError("ParameterNotFound", "nope", 400), ParameterMissingError),
        (AwsServiceError("ThrottlingException", "Rate exceeded", 400), ParameterThrottledError),
        (AwsServiceError("InternalServerError", "nope", 500), ParameterUnavailableError),
        (AwsServiceError("AccessDeniedException", "nope", 400), ParameterUnavailableError),
        (AwsTransportError("connection refused"), ParameterUnavailableError),
    ],
)
def test_ssm_errors_are_classified(failure, error):
    with pytest.raises(error, match=NAME):
        SsmParameterSource(FakeCaller(failure), NAME).read()


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"Parameter": {"Value": "blue"}},
        {"Parameter": {"Value": "blue", "Version": True}},
        {"Parameter": 3},
    ],
)
def test_an_answer_without_value_or_version_is_unavailable(answer):
    with pytest.raises(ParameterUnavailableError, match="no value or version"):
        SsmParameterSource(FakeCaller(answer), NAME).read()


def test_the_ack_item_matches_the_workflow_contract():
    dynamodb = FakeCaller({})
    record = AckRecord(
        gateway_id="gw-a",
        parameter_name=NAME,
        mode="runtime",
        heartbeat_at="2026-01-01T00:00:02+00:00",
        color="green",
        parameter_version=12,
        applied_at="2026-01-01T00:00:01+00:00",
    )

    DynamoAckWriter(dynamodb, "acks").write(record)

    assert dynamodb.calls == [
        (
            "PutItem",
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
    ]


def test_an_error_is_written_and_truncated():
    item: dict[str, Any] = dict(AckRecord("gw-a", NAME, "reload", "t", error="x" * 5000).to_item())
    assert len(item["error"]["S"]) == 2000
    assert "color" not in item


@pytest.mark.parametrize(
    ("failure", "text"),
    [
        (AwsServiceError("ResourceNotFoundException", "no table", 400), "ResourceNotFoundException"),
        (AwsTransportError("timed out"), "unreachable"),
    ],
)
def test_ack_write_failures_are_wrapped(failure, text):
    with pytest.raises(AckWriteError, match=text):
        DynamoAckWriter(FakeCaller(failure), "acks").write(AckRecord("gw-a", NAME, "runtime", "t"))
