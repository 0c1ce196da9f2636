"""The releases table as the stack builds it (stacks/constructs/storage.py), for moto."""

from __future__ import annotations

from typing import Any

from bluegreen.adapters.release_store import HISTORY_INDEX, HISTORY_KEY, HISTORY_SORT_KEY

RELEASES_TABLE_SCHEMA: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": HISTORY_KEY, "AttributeType": "S"},
        {"AttributeName": HISTORY_SORT_KEY, "AttributeType": "S"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": HISTORY_INDEX,
            "KeySchema": [
                {"AttributeName": HISTORY_KEY, "KeyType": "HASH"},
                {"AttributeName": HISTORY_SORT_KEY, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
