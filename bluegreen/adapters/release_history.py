"""Recent release records of an app/environment, newest first.

A Query on the releases table's `History` index (partition `history_key` = "<app>#<environment>",
sort `created_at`, ISO-8601 UTC), so `bluegreen history` reads only the records it shows however
large the table grows. `ReleaseStore.create_record` writes `history_key` on every release record.
"""

from __future__ import annotations

from typing import Any

from bluegreen.adapters.release_store import ReleaseStore


def list_records(table: Any, app: str, environment: str, limit: int) -> list[dict[str, Any]]:
    """The `limit` newest release records of `app`/`environment`, newest first (by `created_at`)."""
    return ReleaseStore(table).recent_records(app, environment, limit)
