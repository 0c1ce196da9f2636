"""How the releases table's items are keyed and stored: the History index's key, DynamoDB's
number and date conventions, and the lock's pseudo holders (a rollback or scale-down outside an
execution)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from bluegreen.clock import iso

# The releases table's `History` index (stacks/constructs/storage.py): every release record carries
# history_key = "<app>#<environment>"; with `created_at` (ISO-8601 UTC) it lists releases newest first.
HISTORY_INDEX = "History"
HISTORY_KEY = "history_key"
HISTORY_SORT_KEY = "created_at"


def history_key(app: str, environment: str) -> str:
    return f"{app}#{environment}"


def to_item_value(value: Any) -> Any:
    """JSON-shaped data as DynamoDB accepts it (floats become Decimals, datetimes ISO strings)."""
    return json.loads(json.dumps(value, default=_default), parse_float=Decimal)


def from_item_value(value: Any) -> Any:
    """DynamoDB's Decimals back to ints and floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_item_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_item_value(v) for v in value]
    return value


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot store {type(value).__name__}")


PSEUDO_HOLDER_PREFIX = "bluegreen:"
PSEUDO_HOLDER_LIFETIME_SECONDS = 300
"""Longer than any function that takes the lock outside an execution (rollback, scale-down) runs."""


def pseudo_holder(purpose: str, release_id: str, now: datetime) -> str:
    """A lock holder that is not an execution ARN, unique per call (the lock is re-entrant for the
    same holder): `bluegreen:<purpose>:<release id>:<random>:<epoch seconds>`."""
    return f"{PSEUDO_HOLDER_PREFIX}{purpose}:{release_id}:{uuid.uuid4().hex[:12]}:{int(now.timestamp())}"


def pseudo_holder_alive(holder: str, now: datetime) -> bool | None:
    """None for an execution ARN; else whether that pseudo holder may still be working."""
    if not holder.startswith(PSEUDO_HOLDER_PREFIX):
        return None
    try:
        taken = int(holder.rsplit(":", 1)[-1])
    except ValueError:
        return False
    return now.timestamp() - taken < PSEUDO_HOLDER_LIFETIME_SECONDS


def is_conditional_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def put_item_once(table: Any, pk: str, fields: dict[str, Any], expires_at: datetime) -> bool:
    """Create the item `pk` unless it exists (then False); DynamoDB's TTL removes it after
    `expires_at`. An UpdateItem, so that functions need no PutItem for it."""
    values = {**fields, "expires_at": int(expires_at.timestamp())}
    try:
        table.update_item(
            Key={"pk": pk},
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(values))),
            ConditionExpression="attribute_not_exists(pk)",
            ExpressionAttributeNames={f"#f{i}": name for i, name in enumerate(values)},
            ExpressionAttributeValues={f":v{i}": to_item_value(v) for i, v in enumerate(values.values())},
        )
    except ClientError as exc:
        if is_conditional_failure(exc):
            return False
        raise
    return True
