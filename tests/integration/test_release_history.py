"""`bluegreen history` reads the History index: every release record is on it, per app/environment,
newest first (moto's DynamoDB, in process)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bluegreen.adapters.release_history import list_records
from bluegreen.adapters.release_store import ReleaseStore
from bluegreen.colors import Color
from bluegreen.local.tables import RELEASES_TABLE_SCHEMA
from bluegreen.records import LatestRelease


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        yield dynamodb.create_table(TableName="releases", **RELEASES_TABLE_SCHEMA)


def test_history_lists_one_app_environment_newest_first(table: Any):
    # Given 30 releases of myapp/prod, interleaved with other environments' releases and the
    # lock and latest-release items that share the table
    store = ReleaseStore(table)
    for n in range(30):
        created = f"2026-11-{1 + n // 10:02d}T10:{n % 10:02d}:00+00:00"
        store.create_record(f"prod-{n:02d}", {"app": "myapp", "environment": "prod", "created_at": created})
        store.create_record(f"dev-{n:02d}", {"app": "myapp", "environment": "dev", "created_at": created})
    store.set_latest(
        "myapp",
        "prod",
        LatestRelease(
            release_id="prod-29",
            color_before=Color.BLUE,
            color_after=Color.GREEN,
            switch_parameter_version=2,
            scale_down_after=datetime(2026, 11, 3, tzinfo=UTC),
        ),
    )
    table.put_item(Item={"pk": "LOCK#myapp#prod", "execution_arn": "arn"})

    # When the 25 newest are asked for
    rows = list_records(table, "myapp", "prod", 25)

    # Then they are prod's own release records, newest first
    assert [row["release_id"] for row in rows] == [f"prod-{n:02d}" for n in range(29, 4, -1)]
    assert {row["environment"] for row in rows} == {"prod"}


def test_a_release_refused_before_it_started_is_in_the_history_too(table: Any):
    # Finish creates the record of a release that Prepare refused (no record yet): same fields
    ReleaseStore(table).create_record(
        "refused-1", {"app": "myapp", "environment": "prod", "created_at": "2026-11-26T08:00:00+00:00"}
    )

    assert [row["release_id"] for row in list_records(table, "myapp", "prod", 10)] == ["refused-1"]
