"""Release records of an app/environment, newest first.

A Query on the releases table's `History` index (partition `history_key` = "<app>#<environment>",
sort `created_at`, ISO-8601 UTC), so `bluegreen history` and `bluegreen report` read only the records
they show however large the table grows. `ReleaseStore.create_record` writes `history_key` on every
release record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from bluegreen.adapters.release_items import (
    HISTORY_INDEX,
    HISTORY_KEY,
    HISTORY_SORT_KEY,
    from_item_value,
    history_key,
)
from bluegreen.adapters.release_store import ReleaseStore
from bluegreen.clock import iso


def list_records(table: Any, app: str, environment: str, limit: int) -> list[dict[str, Any]]:
    """The `limit` newest release records of `app`/`environment`, newest first (by `created_at`)."""
    return ReleaseStore(table).recent_records(app, environment, limit)


def records_since(table: Any, app: str, environment: str, since: datetime) -> list[dict[str, Any]]:
    """Every release record of `app`/`environment` created at or after `since`, newest first."""
    kwargs: dict[str, Any] = {
        "IndexName": HISTORY_INDEX,
        "KeyConditionExpression": Key(HISTORY_KEY).eq(history_key(app, environment))
        & Key(HISTORY_SORT_KEY).gte(iso(since)),
        "ScanIndexForward": False,
    }
    items: list[dict[str, Any]] = []
    while True:
        page = table.query(**kwargs)
        items += [from_item_value(item) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
