"""Recent release records of an app/environment, newest first.

A Scan with a filter: the releases table holds a few items per release, and `bluegreen history`
is an operator's occasional read. If the table grows large, a GSI on (app#environment, created_at)
would make this a Query; the records already carry both attributes.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr

from bluegreen.adapters.release_store import from_item_value


def list_records(table: Any, app: str, environment: str) -> list[dict[str, Any]]:
    """Every release record of `app`/`environment`, newest first (by `created_at`)."""
    condition = Attr("pk").begins_with("RELEASE#") & Attr("app").eq(app) & Attr("environment").eq(environment)
    kwargs: dict[str, Any] = {"FilterExpression": condition}
    items: list[dict[str, Any]] = []
    while True:
        page = table.scan(**kwargs)
        items += [from_item_value(item) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda item: str(item.get("created_at") or ""), reverse=True)
