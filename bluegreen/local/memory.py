"""In-memory fakes of the ports (bluegreen/ports.py) for the unit tier: the domain's decisions
tested without moto or a cluster.

`MemoryReleaseStore` keeps the releases table's rules (the lock's conditional writes and takeover,
records never recreated by an update, the pointer marked only while it points at its release,
one vote per person); tests/unit/test_release_store_contract.py runs the same checks against it and
against the real ReleaseStore on moto, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.adapters.gateway_acks import GatewayAck
from bluegreen.adapters.release_store import to_item_value
from bluegreen.clock import Clock, iso, utc_now
from bluegreen.colors import Color
from bluegreen.errors import (
    ActiveColorError,
    ApprovalDecisionError,
    ReleaseLockedError,
    ReleaseRecordMissingError,
)
from bluegreen.records import LatestRelease, PendingApproval, RecordedEnding, ReleaseRecord

Item = dict[str, Any]


def _stored(value: Any) -> Any:
    """What DynamoDB would hand back: JSON-shaped, datetimes as ISO strings, numbers as ints/floats."""
    from bluegreen.adapters.release_store import from_item_value

    return from_item_value(to_item_value(value))


class MemoryReleaseStore:
    def __init__(self, clock: Clock = utc_now) -> None:
        self._now = clock
        self._lock = threading.RLock()
        self.locks: dict[tuple[str, str], Item] = {}
        self.records: dict[str, Item] = {}
        self.latest: dict[tuple[str, str], Item] = {}
        self.approvals: dict[str, Item] = {}
        self.items: dict[str, Item] = {}

    # -- lock -----------------------------------------------------------------------------------

    def acquire_lock(
        self,
        app: str,
        environment: str,
        execution_arn: str,
        release_id: str,
        is_running: Callable[[str], bool],
        _attempt: int = 0,
    ) -> str | None:
        with self._lock:
            key = (app, environment)
            item = {"execution_arn": execution_arn, "release_id": release_id, "taken_at": iso(self._now())}
            holder = self.locks.get(key, {}).get("execution_arn")
            if holder is None or holder == execution_arn:
                self.locks[key] = item
                return None
            if is_running(holder):
                raise ReleaseLockedError(app, environment, holder)
            self.locks[key] = {**item, "took_over_from": holder}
            return str(holder)

    def lock_holder(self, app: str, environment: str) -> str | None:
        item = self.locks.get((app, environment))
        return str(item["execution_arn"]) if item else None

    def release_lock(self, app: str, environment: str, execution_arn: str) -> bool:
        with self._lock:
            if self.lock_holder(app, environment) != execution_arn:
                return False
            del self.locks[(app, environment)]
            return True

    # -- records --------------------------------------------------------------------------------

    def create_record(self, release_id: str, fields: dict[str, Any]) -> None:
        with self._lock:
            if release_id in self.records:
                return
            item = {"release_id": release_id, "steps": {}, **_stored(fields)}
            if isinstance(fields.get("app"), str) and isinstance(fields.get("environment"), str):
                item["history_key"] = f"{fields['app']}#{fields['environment']}"
            self.records[release_id] = item

    def update_record(
        self, release_id: str, fields: dict[str, Any], step: str | None = None
    ) -> dict[str, Any] | None:
        with self._lock:
            if step is None and not fields:
                return None
            record = self.records.get(release_id)
            if record is None:
                raise ReleaseRecordMissingError(release_id)
            record.update(_stored(fields))
            if step is not None:
                record.setdefault("steps", {})[step] = iso(self._now())
            return copy.deepcopy(record)

    def get(self, release_id: str) -> ReleaseRecord | None:
        """The record, typed (None when there is none)."""
        item = self.get_record(release_id)
        return ReleaseRecord.from_item(item) if item is not None else None

    def record_ending(
        self, release_id: str, ending: RecordedEnding, step: str | None = None
    ) -> dict[str, Any] | None:
        """Write how the release ended; `steps.<outcome>` (or `step`) is stamped with now."""
        return self.update_record(release_id, ending.fields(), step=step or ending.outcome.value)

    def get_record(self, release_id: str) -> dict[str, Any] | None:
        record = self.records.get(release_id)
        return copy.deepcopy(record) if record is not None else None

    def recent_records(self, app: str, environment: str, limit: int) -> list[dict[str, Any]]:
        mine = [r for r in self.records.values() if r.get("history_key") == f"{app}#{environment}"]
        mine.sort(key=lambda r: str(r.get("created_at") or ""), reverse=True)
        return copy.deepcopy(mine[:limit])

    # -- the latest release ---------------------------------------------------------------------

    def set_latest(self, app: str, environment: str, latest: LatestRelease) -> None:
        self.latest[(app, environment)] = latest.model_dump(mode="json", exclude_none=True)

    def get_latest(self, app: str, environment: str) -> LatestRelease | None:
        item = self.latest.get((app, environment))
        return LatestRelease.model_validate(item) if item else None

    def supersede_latest(self, app: str, environment: str, release_id: str) -> None:
        item = self.latest.get((app, environment))
        if item is not None and item["release_id"] != release_id:
            item["superseded_by"] = release_id

    def mark_latest(
        self,
        app: str,
        environment: str,
        release_id: str,
        *,
        rolled_back_at: datetime | None = None,
        scaled_down_at: datetime | None = None,
    ) -> bool:
        item = self.latest.get((app, environment))
        if item is None or item["release_id"] != release_id:
            return False
        for name, value in (("rolled_back_at", rolled_back_at), ("scaled_down_at", scaled_down_at)):
            if value is not None:
                item[name] = iso(value)
        return True

    # -- single-use items ------------------------------------------------------------------------

    def put_once(self, pk: str, fields: dict[str, Any], expires_at: datetime) -> bool:
        with self._lock:
            if pk in self.items:
                return False
            self.items[pk] = {"pk": pk, **_stored(fields), "expires_at": int(expires_at.timestamp())}
            return True

    def get_item(self, pk: str) -> dict[str, Any] | None:
        item = self.items.get(pk)
        return copy.deepcopy(item) if item is not None else None

    # -- pending approvals ----------------------------------------------------------------------

    def put_approval(self, approval: PendingApproval) -> None:
        if approval.approval_id in self.approvals:
            raise ApprovalDecisionError(f"approval {approval.approval_id} exists already")
        self.approvals[approval.approval_id] = _stored(approval.item())

    def get_approval(self, approval_id: str) -> PendingApproval | None:
        item = self.approvals.get(approval_id)
        return PendingApproval.from_item(copy.deepcopy(item)) if item is not None else None

    def add_approval_vote(self, approval_id: str, vote: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            item = self.approvals.get(approval_id)
            if item is None:
                raise ApprovalDecisionError("this release is no longer waiting for approval")
            if vote["approver"] not in item["voters"]:
                item["approvals"].append(_stored(vote))
                item["voters"].append(vote["approver"])
            return copy.deepcopy(list(item["approvals"]))

    def close_approval(self, approval_id: str) -> PendingApproval | None:
        item = self.approvals.pop(approval_id, None)
        return PendingApproval.from_item(item) if item is not None else None


class MemoryColourParameter:
    """The active-colour parameter: a value and a version, as SSM keeps them."""

    def __init__(self, parameter_name: str, color: Color, version: int = 1) -> None:
        self.parameter_name = parameter_name
        self.value: str = color.value
        self.version = version
        self.fail_writes: Exception | None = None

    def read(self) -> ActiveColor:
        color = Color.parse(self.value)
        if color is None:
            raise ActiveColorError(f"parameter {self.parameter_name} holds {self.value!r}, not blue or green")
        return ActiveColor(color, self.version)

    def write(self, color: Color) -> int:
        if self.fail_writes is not None:
            raise self.fail_writes
        self.value, self.version = color.value, self.version + 1
        return self.version


class MemoryAlarms:
    def __init__(self, states: dict[str, str] | None = None) -> None:
        self.state = dict(states or {})

    def states(self, names: list[str]) -> dict[str, str]:
        return {name: self.state.get(name, "MISSING") for name in names}


class MemoryAcks:
    def __init__(self, acks: list[GatewayAck] | None = None) -> None:
        self.acks = list(acks or [])

    def all(self) -> list[GatewayAck]:
        return list(self.acks)


class MemoryExecutions:
    def __init__(self, statuses: dict[str, str] | None = None) -> None:
        self.statuses = dict(statuses or {})
        self.resolved: list[tuple[str, str, str]] = []

    def status(self, execution_arn: str) -> str | None:
        return self.statuses.get(execution_arn)

    def describe(self, execution_arn: str) -> dict[str, Any]:
        return {"executionArn": execution_arn, "status": self.statuses.get(execution_arn, "RUNNING")}

    def send_task_success(self, task_token: str, output: str) -> None:
        self.resolved.append(("success", task_token, output))

    def send_task_failure(self, task_token: str, error: str, cause: str) -> None:
        self.resolved.append(("failure", task_token, error))


class MemoryWorkloads:
    """Deployments by (namespace, name); every one Complete unless a test says otherwise."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], Item] = {}

    def add(self, namespace: str, name: str, image: str, replicas: int = 2, complete: bool = True) -> None:
        ready = replicas if complete else 0
        self.objects[(namespace, name)] = {
            "metadata": {"name": name, "namespace": namespace, "generation": 1},
            "spec": {
                "replicas": replicas,
                "template": {"spec": {"containers": [{"name": name, "image": image}]}},
            },
            "status": {
                "observedGeneration": 1,
                "replicas": replicas,
                "updatedReplicas": replicas,
                "availableReplicas": ready,
            },
        }

    def read(self, namespace: str, name: str) -> dict[str, Any] | None:
        item = self.objects.get((namespace, name))
        return copy.deepcopy(item) if item is not None else None

    def create(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        name = body["metadata"]["name"]
        self.objects[(namespace, name)] = copy.deepcopy(body)
        return copy.deepcopy(body)

    def patch(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        item = self.objects[(namespace, name)]
        if "replicas" in body.get("spec", {}):
            item["spec"]["replicas"] = body["spec"]["replicas"]
        return copy.deepcopy(item)

    def apply(self, namespace: str, manifest: dict[str, Any]) -> dict[str, Any]:
        return self.create(namespace, manifest)
