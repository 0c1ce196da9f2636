"""The in-memory release store of the unit tier keeps the releases table's rules: the same checks
run against it and against the real ReleaseStore on moto's DynamoDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from bluegreen.adapters.release_store import ReleaseStore
from bluegreen.colors import Color
from bluegreen.errors import ReleaseLockedError, ReleaseRecordMissingError
from bluegreen.local.memory import MemoryReleaseStore
from bluegreen.local.tables import RELEASES_TABLE_SCHEMA
from bluegreen.ports import ReleaseRepository
from bluegreen.records import LatestRelease, PendingApproval

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
A, B = "arn:aws:states:us-east-1:1:execution:sm:a", "arn:aws:states:us-east-1:1:execution:sm:b"


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReleaseRepository]:
    if request.param == "memory":
        yield MemoryReleaseStore(clock=lambda: NOW)
        return
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        table = boto3.resource("dynamodb", region_name="us-east-1").create_table(
            TableName="releases", **RELEASES_TABLE_SCHEMA
        )
        yield ReleaseStore(table, clock=lambda: NOW)


def test_the_lock_is_reentrant_exclusive_and_taken_over_from_a_dead_holder(store: ReleaseRepository) -> None:
    assert store.acquire_lock("app", "prod", A, "a", lambda arn: True) is None
    assert store.acquire_lock("app", "prod", A, "a", lambda arn: True) is None  # a retried Prepare
    with pytest.raises(ReleaseLockedError):
        store.acquire_lock("app", "prod", B, "b", lambda arn: True)
    assert store.acquire_lock("app", "prod", B, "b", lambda arn: False) == A  # A is no longer running
    assert store.release_lock("app", "prod", A) is False  # never someone else's lock
    assert store.release_lock("app", "prod", B) is True
    assert store.lock_holder("app", "prod") is None


def test_records_are_created_once_updated_in_place_and_never_recreated(store: ReleaseRepository) -> None:
    store.create_record("r1", {"app": "app", "environment": "prod", "version": "v2", "created_at": NOW})
    store.create_record("r1", {"app": "app", "environment": "prod", "version": "v3"})  # a retry: kept
    store.update_record("r1", {"outcome": "succeeded", "colors": {"before": "blue"}}, step="finished")
    record = store.get_record("r1")
    assert record is not None
    assert record["version"] == "v2"
    assert record["outcome"] == "succeeded"
    assert record["steps"] == {"finished": NOW.isoformat()}
    assert record["created_at"] == NOW.isoformat()
    with pytest.raises(ReleaseRecordMissingError):
        store.update_record("gone", {"outcome": "failed"}, step="failed")
    assert store.get_record("gone") is None


def test_a_write_returns_the_record_as_written_without_a_second_read(store: ReleaseRepository) -> None:
    # Given a record
    store.create_record("r1", {"app": "app", "environment": "prod", "version": "v2", "created_at": NOW})
    # When a step writes to it, and an ending is recorded
    written = store.update_record("r1", {"colors": {"before": "blue"}}, step="switched")
    # Then each write hands back the whole record as stored (what the metrics read)
    assert written is not None
    assert written["version"] == "v2"
    assert written["steps"] == {"switched": NOW.isoformat()}
    assert written == store.get_record("r1")
    assert store.update_record("r1", {}) is None  # nothing to write, nothing written


def test_recent_records_are_one_app_environment_newest_first(store: ReleaseStore) -> None:
    for n in range(3):
        store.create_record(
            f"p{n}", {"app": "app", "environment": "prod", "created_at": NOW + timedelta(minutes=n)}
        )
        store.create_record(
            f"d{n}", {"app": "app", "environment": "dev", "created_at": NOW + timedelta(minutes=n)}
        )
    assert [r["release_id"] for r in store.recent_records("app", "prod", 2)] == ["p2", "p1"]


def test_the_pointer_is_marked_only_while_it_points_at_its_release(store: ReleaseRepository) -> None:
    latest = LatestRelease(
        release_id="r1",
        color_before=Color.BLUE,
        color_after=Color.GREEN,
        switch_parameter_version=8,
        scale_down_after=NOW + timedelta(hours=1),
    )
    store.set_latest("app", "prod", latest)
    assert store.mark_latest("app", "prod", "r0", rolled_back_at=NOW) is False
    assert store.mark_latest("app", "prod", "r1", rolled_back_at=NOW) is True
    store.supersede_latest("app", "prod", "r2")
    pointer = store.get_latest("app", "prod")
    assert pointer is not None
    assert pointer.rolled_back_at == NOW
    assert pointer.superseded_by == "r2"
    store.set_latest("app", "prod", latest.model_copy(update={"release_id": "r2"}))  # a new release
    fresh = store.get_latest("app", "prod")
    assert fresh is not None
    assert (fresh.rolled_back_at, fresh.superseded_by) == (None, None)


def test_one_vote_per_person_and_a_closed_approval_is_gone(store: ReleaseRepository) -> None:
    expires = int((NOW + timedelta(days=1)).timestamp())
    store.put_approval(
        PendingApproval(
            approval_id="ap1", release_id="r1", task_token="t", requested_at=NOW, expires_at=expires
        )
    )
    store.add_approval_vote("ap1", {"approver": "alice", "via": "cli"})
    votes = store.add_approval_vote("ap1", {"approver": "alice", "via": "slack"})
    assert [v["approver"] for v in votes] == ["alice"]
    pending = store.get_approval("ap1")
    assert pending is not None
    assert (pending.release_id, pending.requested_at, pending.voters) == ("r1", NOW, ["alice"])
    closed = store.close_approval("ap1")
    assert closed is not None
    assert (closed.task_token, closed.expires_at) == ("t", expires)
    assert store.close_approval("ap1") is None
    assert store.get_approval("ap1") is None


def test_a_pending_approval_never_shows_its_task_token() -> None:
    pending = PendingApproval(approval_id="ap1", release_id="r1", task_token="secret-token", expires_at=1)
    assert "secret-token" not in repr(pending)
    assert "secret-token" not in str(pending)


def test_single_use_items_are_created_once(store: ReleaseRepository) -> None:
    expires = NOW + timedelta(minutes=10)
    assert store.get_item("SLACKREQ#v0=ab") is None
    assert store.put_once("SLACKREQ#v0=ab", {"kind": "slack request", "at": NOW}, expires) is True
    assert store.put_once("SLACKREQ#v0=ab", {"kind": "replayed"}, expires) is False
    item = store.get_item("SLACKREQ#v0=ab")
    assert item is not None
    assert item["kind"] == "slack request"
    assert item["at"] == NOW.isoformat()
    assert item["expires_at"] == int(expires.timestamp())
