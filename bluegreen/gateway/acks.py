"""The acknowledgement item: what this gateway serves, written to DynamoDB after every poll.

The release workflow's ConfirmGateways step reads these items (bluegreen/adapters/gateway_acks.py):
a gateway is live when `heartbeat_at` is recent, and confirmed when `color` is the target and
`parameter_version` is at least the switch's version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from bluegreen.gateway.errors import AckWriteError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class AckRecord:
    gateway_id: str
    parameter_name: str
    mode: str
    heartbeat_at: str
    color: str | None = None  # None only before the gateway has ever applied a colour
    parameter_version: int | None = None
    applied_at: str | None = None
    error: str | None = None

    def to_item(self) -> dict[str, AttributeValueTypeDef]:
        item: dict[str, AttributeValueTypeDef] = {
            "gateway_id": {"S": self.gateway_id},
            "parameter_name": {"S": self.parameter_name},
            "mode": {"S": self.mode},
            "heartbeat_at": {"S": self.heartbeat_at},
        }
        if self.color is not None:
            item["color"] = {"S": self.color}
        if self.parameter_version is not None:
            item["parameter_version"] = {"N": str(self.parameter_version)}
        if self.applied_at is not None:
            item["applied_at"] = {"S": self.applied_at}
        if self.error:
            item["error"] = {"S": self.error[:MAX_ERROR_CHARS]}
        return item


class AckSink(Protocol):
    def write(self, record: AckRecord) -> None: ...


class DynamoAckWriter:
    """PutItem of the whole item: idempotent, and a healthy gateway's item has no `error` attribute."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    def write(self, record: AckRecord) -> None:
        try:
            self._client.put_item(TableName=self.table, Item=record.to_item())
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "")
            raise AckWriteError(f"PutItem to {self.table} failed ({code}): {message}") from exc
        except BotoCoreError as exc:
            raise AckWriteError(f"acknowledgement table {self.table} unreachable: {exc}") from exc
