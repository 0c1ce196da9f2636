"""The gateways' acknowledgement table, as the workflow reads it (the agent writes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


@dataclass(frozen=True)
class GatewayAck:
    gateway_id: str
    color: str | None
    parameter_version: int | None
    heartbeat_at: datetime | None
    mode: str | None = None
    error: str | None = None
    applied_at: datetime | None = None
    """When the gateway applied the colour and version it holds."""


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _parse_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_ack(item: dict[str, Any]) -> GatewayAck:
    """A table item as a GatewayAck; malformed attributes read as missing, never as confirmation."""
    error = item.get("error")
    return GatewayAck(
        gateway_id=str(item.get("gateway_id", "")),
        color=item.get("color") if isinstance(item.get("color"), str) else None,
        parameter_version=_parse_int(item.get("parameter_version")),
        heartbeat_at=_parse_time(item.get("heartbeat_at")),
        mode=item.get("mode") if isinstance(item.get("mode"), str) else None,
        error=error if isinstance(error, str) and error else None,
        applied_at=_parse_time(item.get("applied_at")),
    )


class GatewayAckReader:
    def __init__(self, table: Table) -> None:
        self._table = table

    def all(self) -> list[GatewayAck]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"ConsistentRead": True}
        while True:
            page = self._table.scan(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [parse_ack(item) for item in items]
