"""The acknowledgement item: what this gateway serves, written to DynamoDB after every poll.

The release workflow's ConfirmGateways step reads these items (bluegreen/adapters/gateway_acks.py):
a gateway is live when `heartbeat_at` is recent, and confirmed when `color` is the target and
`parameter_version` is at least the switch's version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bluegreen.gateway.aws import AwsError, AwsServiceError, JsonCaller
from bluegreen.gateway.errors import AckWriteError

AttributeValue = dict[str, str]  # DynamoDB's JSON form: {"S": "..."} or {"N": "12"}

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

    def to_item(self) -> dict[str, AttributeValue]:
        item: dict[str, AttributeValue] = {
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

    def __init__(self, client: JsonCaller, table: str) -> None:
        self._client = client
        self.table = table

    def write(self, record: AckRecord) -> None:
        try:
            self._client.call("PutItem", {"TableName": self.table, "Item": record.to_item()})
        except AwsServiceError as exc:
            raise AckWriteError(f"PutItem to {self.table} failed ({exc.code}): {exc.message}") from exc
        except AwsError as exc:
            raise AckWriteError(f"acknowledgement table {self.table} unreachable: {exc}") from exc
