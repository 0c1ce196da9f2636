"""Recent release records of an app/environment, newest first.

A Query on the releases table's `History` index (partition `history_key` = "<app>#<environment>",
sort `created_at`, ISO-8601 UTC), so `bluegreen history` reads only the records it shows however
large the table grows. `ReleaseStore.create_record` writes `history_key` on every release record.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from bluegreen.adapters.release_store import HISTORY_INDEX, HISTORY_KEY, from_item_value, history_key


def list_records(table: Any, app: str, environment: str, limit: int) -> list[dict[str, Any]]:
    """The `limit` newest release records of `app`/`environment`, newest first (by `created_at`)."""
    kwargs: dict[str, Any] = {
        "IndexName": HISTORY_INDEX,
        "KeyConditionExpression": Key(HISTORY_KEY).eq(history_key(app, environment)),
        "ScanIndexForward": False,
        "Limit": limit,
    }
    items: list[dict[str, Any]] = []
    while len(items) < limit:
        page = table.query(**kwargs)
        items += [from_item_value(item) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return items[:limit]
