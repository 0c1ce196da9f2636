"""The releases table: release records, the per-app/env lock, and pending approvals.

One DynamoDB table, partition key `pk`:
  RELEASE#<release id>      the release record (who, what, colours, steps, outcome)
  LOCK#<app>#<environment>  the lock: a conditional-write item holding the execution ARN
  APPROVAL#<approval id>    a pending approval: opaque id -> task token, with a TTL (`expires_at`)
  LATEST#<app>#<environment> the last finished release: what a rollback after the workflow undoes
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from bluegreen.clock import Clock, iso, utc_now
from bluegreen.errors import ApprovalDecisionError, ReleaseLockedError

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


def _is_conditional_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class ReleaseStore:
    def __init__(self, table: Any, clock: Clock = utc_now) -> None:
        """`table` is a boto3 DynamoDB Table resource."""
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
            if not _is_conditional_failure(exc):
                raise
        holder = self.lock_holder(app, environment)
        if holder is None:  # released between our write and our read: try once more
            return self.acquire_lock(app, environment, execution_arn, release_id, is_running)
        if is_running(holder):
            raise ReleaseLockedError(app, environment, holder)
        try:
            self._table.put_item(
                Item={**item, "took_over_from": holder},
                ConditionExpression="execution_arn = :stale",
                ExpressionAttributeValues={":stale": holder},
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
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
            if _is_conditional_failure(exc):
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
            if not _is_conditional_failure(exc):
                raise

    def update_record(self, release_id: str, fields: dict[str, Any], step: str | None = None) -> None:
        """Set top-level fields of a record (creating it if needed), and stamp `steps.<step>` with now."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        for index, (field, value) in enumerate(fields.items()):
            names[f"#f{index}"] = field
            values[f":v{index}"] = to_item_value(value)
            sets.append(f"#f{index} = :v{index}")
        if step is not None:
            names["#steps"] = "steps"
            names["#step"] = step
            values[":now"] = iso(self._now())
            values[":empty"] = {}
            # A map attribute must exist before a nested SET; do it in two writes when it doesn't.
            try:
                self._table.update_item(
                    Key={"pk": self.record_key(release_id)},
                    UpdateExpression="SET " + ", ".join([*sets, "#steps.#step = :now"]),
                    ConditionExpression="attribute_exists(#steps)",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={k: v for k, v in values.items() if k != ":empty"},
                )
                return
            except ClientError as exc:
                if not _is_conditional_failure(exc):
                    raise
            self._table.update_item(
                Key={"pk": self.record_key(release_id)},
                UpdateExpression="SET #steps = if_not_exists(#steps, :empty), release_id = :rid",
                ExpressionAttributeNames={"#steps": "steps"},
                ExpressionAttributeValues={":empty": {}, ":rid": release_id},
            )
            self.update_record(release_id, fields, step)
            return
        if not sets:
            return
        self._table.update_item(
            Key={"pk": self.record_key(release_id)},
            UpdateExpression="SET " + ", ".join(sets),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def get_record(self, release_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": self.record_key(release_id)}, ConsistentRead=True).get("Item")
        return from_item_value(item) if item else None

    # -- the latest finished release ---------------------------------------------------------------

    @staticmethod
    def latest_key(app: str, environment: str) -> str:
        return f"LATEST#{app}#{environment}"

    def set_latest(self, app: str, environment: str, fields: dict[str, Any]) -> None:
        """Point at the release that just finished (replacing the previous pointer)."""
        item = {"pk": self.latest_key(app, environment), "app": app, "environment": environment, **fields}
        self._table.update_item(
            Key={"pk": item.pop("pk")},
            UpdateExpression="SET "
            + ", ".join(f"#f{i} = :v{i}" for i in range(len(item)))
            + " REMOVE rolled_back_at, scaled_down_at, superseded_by",
            ExpressionAttributeNames={f"#f{i}": name for i, name in enumerate(item)},
            ExpressionAttributeValues={f":v{i}": to_item_value(v) for i, v in enumerate(item.values())},
        )

    def get_latest(self, app: str, environment: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": self.latest_key(app, environment)}, ConsistentRead=True).get(
            "Item"
        )
        return from_item_value(item) if item else None

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
            if not _is_conditional_failure(exc):
                raise

    def mark_latest(self, app: str, environment: str, release_id: str, fields: dict[str, Any]) -> bool:
        """Set fields on the pointer only while it still points at `release_id`."""
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
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    # -- single-use items (trigger evidence, request replay guards) ------------------------------

    def put_once(self, pk: str, fields: dict[str, Any], expires_at: datetime) -> bool:
        """Create the item `pk` unless it exists (then False); DynamoDB's TTL removes it after
        `expires_at`. An UpdateItem, so that functions need no PutItem for it."""
        values = {**fields, "expires_at": int(expires_at.timestamp())}
        try:
            self._table.update_item(
                Key={"pk": pk},
                UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(values))),
                ConditionExpression="attribute_not_exists(pk)",
                ExpressionAttributeNames={f"#f{i}": name for i, name in enumerate(values)},
                ExpressionAttributeValues={f":v{i}": to_item_value(v) for i, v in enumerate(values.values())},
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def get_item(self, pk: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": pk}, ConsistentRead=True).get("Item")
        return from_item_value(item) if item else None

    # -- pending approvals -----------------------------------------------------------------------

    @staticmethod
    def approval_key(approval_id: str) -> str:
        return f"APPROVAL#{approval_id}"

    def put_approval(self, approval_id: str, fields: dict[str, Any], expires_at: datetime) -> None:
        item = {
            "pk": self.approval_key(approval_id),
            "approval_id": approval_id,
            "approvals": [],
            "voters": [],
            "expires_at": int(expires_at.timestamp()),
            **fields,
        }
        self._table.put_item(Item=to_item_value(item), ConditionExpression="attribute_not_exists(pk)")

    def get_approval(self, approval_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": self.approval_key(approval_id)}, ConsistentRead=True).get(
            "Item"
        )
        return from_item_value(item) if item else None

    def add_approval_vote(self, approval_id: str, vote: dict[str, Any]) -> list[dict[str, Any]]:
        """Append an approver's vote unless that person already voted; returns all votes."""
        try:
            response = self._table.update_item(
                Key={"pk": self.approval_key(approval_id)},
                UpdateExpression=(
                    "SET approvals = list_append(approvals, :vote), voters = list_append(voters, :who)"
                ),
                ConditionExpression="attribute_exists(pk) AND NOT contains(voters, :approver)",
                ExpressionAttributeValues={
                    ":vote": [to_item_value(vote)],
                    ":who": [vote["approver"]],
                    ":approver": vote["approver"],
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise
            current = self.get_approval(approval_id)
            if current is None:
                raise ApprovalDecisionError("this release is no longer waiting for approval") from exc
            return list(current.get("approvals", []))
        return list(from_item_value(response["Attributes"]).get("approvals", []))

    def close_approval(self, approval_id: str) -> dict[str, Any] | None:
        """Delete the pending approval (and its token); returns it if this call deleted it."""
        try:
            response = self._table.delete_item(
                Key={"pk": self.approval_key(approval_id)},
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return None
            raise
        attributes = response.get("Attributes")
        return from_item_value(attributes) if attributes else None
