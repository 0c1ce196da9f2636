"""The releases table: release records, the per-app/env lock, and pending approvals.

One DynamoDB table, partition key `pk`:
  RELEASE#<release id>      the release record (who, what, colours, steps, outcome)
  LOCK#<app>#<environment>  the lock: a conditional-write item holding the execution ARN
  APPROVAL#<approval id>    a pending approval: opaque id -> task token, with a TTL (`expires_at`)
  LATEST#<app>#<environment> the last finished release: what a rollback after the workflow undoes
  TRIGGER#<release id>, SLACKREQ#<signature>  single-use items with a TTL (put_once): who started a
                            release (StartRelease's evidence), a Slack request already accepted
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from bluegreen.adapters.approval_items import PendingApprovalItems
from bluegreen.adapters.release_items import (
    HISTORY_INDEX,
    HISTORY_KEY,
    HISTORY_SORT_KEY,
    PSEUDO_HOLDER_LIFETIME_SECONDS,
    PSEUDO_HOLDER_PREFIX,
    from_item_value,
    history_key,
    is_conditional_failure,
    pseudo_holder,
    pseudo_holder_alive,
    put_item_once,
    to_item_value,
)
from bluegreen.clock import Clock, iso, utc_now
from bluegreen.errors import (
    RecordWriteConflictError,
    ReleaseLockedError,
    ReleaseRecordMissingError,
)
from bluegreen.records import LatestRelease, RecordedEnding, ReleaseRecord

__all__ = [
    "HISTORY_INDEX",
    "HISTORY_KEY",
    "HISTORY_SORT_KEY",
    "PSEUDO_HOLDER_LIFETIME_SECONDS",
    "PSEUDO_HOLDER_PREFIX",
    "ReleaseStore",
    "from_item_value",
    "history_key",
    "pseudo_holder",
    "pseudo_holder_alive",
    "to_item_value",
]

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

RECORD_WRITE_ATTEMPTS = 3
"""Conditional record updates retried this often before giving up with a clear error."""


class ReleaseStore(PendingApprovalItems):
    def __init__(self, table: Table, clock: Clock = utc_now) -> None:
        self._table = table
        self._now = clock

    # -- lock -----------------------------------------------------------------------------------

    @staticmethod
    def lock_key(app: str, environment: str) -> str:
        return f"LOCK#{app}#{environment}"

    def acquire_lock(
        self,
        app: str,
        environment: str,
        execution_arn: str,
        release_id: str,
        is_running: Callable[[str], bool],
        _attempt: int = 0,
    ) -> str | None:
        """Take the lock for this execution. Returns the ARN of a stale holder taken over, if any.

        Re-entrant for the same execution (a retried Prepare). A lock held by an execution that is
        no longer RUNNING is taken over, conditionally on that same holder, so two takers can't both win.
        """
        key = self.lock_key(app, environment)
        item = {
            "pk": key,
            "execution_arn": execution_arn,
            "release_id": release_id,
            "taken_at": iso(self._now()),
        }
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR execution_arn = :me",
                ExpressionAttributeValues={":me": execution_arn},
            )
            return None
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
        holder = self.lock_holder(app, environment)
        if holder is None:  # released between our write and our read: try again, a few times
            if _attempt + 1 >= RECORD_WRITE_ATTEMPTS:
                raise ReleaseLockedError(
                    app, environment, "another execution (the lock keeps changing hands)"
                )
            return self.acquire_lock(app, environment, execution_arn, release_id, is_running, _attempt + 1)
        if is_running(holder):
            raise ReleaseLockedError(app, environment, holder)
        try:
            self._table.put_item(
                Item={**item, "took_over_from": holder},
                ConditionExpression="execution_arn = :stale",
                ExpressionAttributeValues={":stale": holder},
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                current = self.lock_holder(app, environment) or "another execution"
                raise ReleaseLockedError(app, environment, current) from exc
            raise
        return holder

    def lock_holder(self, app: str, environment: str) -> str | None:
        item = self._table.get_item(Key={"pk": self.lock_key(app, environment)}, ConsistentRead=True).get(
            "Item"
        )
        return str(item["execution_arn"]) if item else None

    def release_lock(self, app: str, environment: str, execution_arn: str) -> bool:
        """Release the lock if this execution holds it. Never releases someone else's lock."""
        try:
            self._table.delete_item(
                Key={"pk": self.lock_key(app, environment)},
                ConditionExpression="execution_arn = :me",
                ExpressionAttributeValues={":me": execution_arn},
            )
            return True
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise

    # -- release records ------------------------------------------------------------------------

    @staticmethod
    def record_key(release_id: str) -> str:
        return f"RELEASE#{release_id}"

    def create_record(self, release_id: str, fields: dict[str, Any]) -> None:
        """Write the record once; a retried Prepare leaves the first one in place."""
        item = {"pk": self.record_key(release_id), "release_id": release_id, "steps": {}, **fields}
        if isinstance(fields.get("app"), str) and isinstance(fields.get("environment"), str):
            item[HISTORY_KEY] = history_key(fields["app"], fields["environment"])
        try:
            self._table.put_item(Item=to_item_value(item), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise

    def update_record(
        self, release_id: str, fields: dict[str, Any], step: str | None = None
    ) -> dict[str, Any] | None:
        """Set top-level fields of an existing record, and stamp `steps.<step>` with now. Returns the
        record as written (UpdateItem's ALL_NEW: no second read, no read capacity); None when there
        was nothing to write.

        Never creates a record: one deleted during the release raises ReleaseRecordMissingError
        (an UpdateItem would otherwise recreate it without app, version or trigger). A conditional
        write that keeps failing raises RecordWriteConflictError after a few attempts.
        """
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        for index, (field, value) in enumerate(fields.items()):
            names[f"#f{index}"] = field
            values[f":v{index}"] = to_item_value(value)
            sets.append(f"#f{index} = :v{index}")
        if step is None and not sets:
            return None
        condition = "attribute_exists(pk)"
        if step is not None:
            names["#steps"] = "steps"
            names["#step"] = step
            values[":now"] = iso(self._now())
            sets.append("#steps.#step = :now")
            # A map attribute must exist before a nested SET.
            condition += " AND attribute_exists(#steps)"
        for _attempt in range(RECORD_WRITE_ATTEMPTS):
            try:
                response = self._table.update_item(
                    Key={"pk": self.record_key(release_id)},
                    UpdateExpression="SET " + ", ".join(sets),
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                )
                written: dict[str, Any] = from_item_value(dict(response.get("Attributes") or {}))
                return written
            except ClientError as exc:
                if not is_conditional_failure(exc):
                    raise
            self._repair_record(release_id)
        raise RecordWriteConflictError(release_id, RECORD_WRITE_ATTEMPTS)

    def _repair_record(self, release_id: str) -> None:
        """After a failed conditional update: the record is gone (refuse), or lacks its steps map."""
        record = self.get_record(release_id)
        if record is None:
            raise ReleaseRecordMissingError(release_id)
        if isinstance(record.get("steps"), dict):
            return  # a conditional failure that should not happen: try again, a bounded number of times
        try:
            self._table.update_item(
                Key={"pk": self.record_key(release_id)},
                UpdateExpression="SET #steps = :empty",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#steps": "steps"},
                ExpressionAttributeValues={":empty": {}},
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise ReleaseRecordMissingError(release_id) from exc
            raise

    def recent_records(self, app: str, environment: str, limit: int) -> list[dict[str, Any]]:
        """The `limit` newest release records of `app`/`environment`, newest first (the History index)."""
        kwargs: dict[str, Any] = {
            "IndexName": HISTORY_INDEX,
            "KeyConditionExpression": Key(HISTORY_KEY).eq(history_key(app, environment)),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        items: list[dict[str, Any]] = []
        while len(items) < limit:
            page = self._table.query(**kwargs)
            items += [from_item_value(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return items[:limit]

    def get(self, release_id: str) -> ReleaseRecord | None:
        """The record, typed (None when there is none)."""
        item = self.get_record(release_id)
        return ReleaseRecord.from_item(item) if item is not None else None

    def record_ending(
        self, release_id: str, ending: RecordedEnding, step: str | None = None
    ) -> dict[str, Any] | None:
        """Write how the release ended; `steps.<outcome>` (or `step`) is stamped with now. Returns
        the record as written."""
        return self.update_record(release_id, ending.fields(), step=step or ending.outcome.value)

    def get_record(self, release_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": self.record_key(release_id)}, ConsistentRead=True).get("Item")
        return from_item_value(item) if item else None

    # -- the latest finished release ---------------------------------------------------------------

    @staticmethod
    def latest_key(app: str, environment: str) -> str:
        return f"LATEST#{app}#{environment}"

    def set_latest(self, app: str, environment: str, latest: LatestRelease) -> None:
        """Point at the release that just put traffic on its colour (replacing the previous pointer)."""
        fields = latest.model_dump(mode="json", exclude_none=True)
        item = {"app": app, "environment": environment, **fields}
        removed = [
            name for name in ("rolled_back_at", "scaled_down_at", "superseded_by") if name not in fields
        ]
        self._table.update_item(
            Key={"pk": self.latest_key(app, environment)},
            UpdateExpression="SET "
            + ", ".join(f"#f{i} = :v{i}" for i in range(len(item)))
            + (" REMOVE " + ", ".join(removed) if removed else ""),
            ExpressionAttributeNames={f"#f{i}": name for i, name in enumerate(item)},
            ExpressionAttributeValues={f":v{i}": to_item_value(v) for i, v in enumerate(item.values())},
        )

    def get_latest(self, app: str, environment: str) -> LatestRelease | None:
        item = self._table.get_item(Key={"pk": self.latest_key(app, environment)}, ConsistentRead=True).get(
            "Item"
        )
        return LatestRelease.model_validate(from_item_value(item)) if item else None

    def supersede_latest(self, app: str, environment: str, release_id: str) -> None:
        """A new release has started: the old colour is about to be redeployed, so the previous
        release can no longer be rolled back to."""
        try:
            self._table.update_item(
                Key={"pk": self.latest_key(app, environment)},
                UpdateExpression="SET superseded_by = :rid",
                ConditionExpression="attribute_exists(pk) AND release_id <> :rid",
                ExpressionAttributeValues={":rid": release_id},
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise

    def mark_latest(
        self,
        app: str,
        environment: str,
        release_id: str,
        *,
        rolled_back_at: datetime | None = None,
        scaled_down_at: datetime | None = None,
    ) -> bool:
        """Say on the pointer that its release was rolled back, or its old colour scaled down —
        only while it still points at `release_id`."""
        fields = {
            name: value
            for name, value in (("rolled_back_at", rolled_back_at), ("scaled_down_at", scaled_down_at))
            if value is not None
        }
        try:
            self._table.update_item(
                Key={"pk": self.latest_key(app, environment)},
                UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
                ConditionExpression="release_id = :rid",
                ExpressionAttributeNames={f"#f{i}": name for i, name in enumerate(fields)},
                ExpressionAttributeValues={
                    ":rid": release_id,
                    **{f":v{i}": to_item_value(v) for i, v in enumerate(fields.values())},
                },
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    # -- single-use items (trigger evidence, request replay guards) ------------------------------
    def put_once(self, pk: str, fields: dict[str, Any], expires_at: datetime) -> bool:
        return put_item_once(self._table, pk, fields, expires_at)

    def get_item(self, pk: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": pk}, ConsistentRead=True).get("Item")
        return from_item_value(item) if item else None
