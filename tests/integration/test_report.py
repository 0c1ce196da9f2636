"""`bluegreen report`: the four delivery figures and the per-release table, computed from a seeded
history with known answers (moto's DynamoDB in process, the CLI as a user runs it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner, Result
from moto import mock_aws

from bluegreen.adapters.release_store import ReleaseStore
from bluegreen.cli import commands  # noqa: F401 - registers the commands
from bluegreen.cli.main import cli
from bluegreen.local.tables import RELEASES_TABLE_SCHEMA

MYAPP = Path(__file__).resolve().parents[2] / "config" / "myapp.yaml"
NOW = datetime.now(UTC).replace(microsecond=0)
ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "BLUEGREEN_RELEASES_TABLE": "releases",
}


def ago(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours, minutes=minutes)


def release(
    release_id: str,
    created: datetime,
    outcome: str | None,
    *,
    commit: timedelta | None = None,
    switched: timedelta | None = None,
    confirmed: timedelta | None = None,
    restored: timedelta | None = None,
    app: str = "myapp",
    **fields: Any,
) -> dict[str, Any]:
    """A release record as the workflow leaves it: `commit` before it started, the switch and its
    confirmation after."""
    steps = {"prepared": created, "deployed": created + timedelta(minutes=2)}
    if switched is not None:
        steps["switched"] = created + switched
    if confirmed is not None:
        steps["gateways_confirmed"] = created + confirmed
    if restored is not None:
        steps["rollback_confirmed"] = created + restored
    record: dict[str, Any] = {
        "app": app,
        "environment": "prod",
        "version": release_id.replace("r", "v"),
        "created_at": created,
        "colors": {"before": "blue", "target": "green"},
        "steps": steps,
        "outcome": outcome,
        **fields,
    }
    if commit is not None:
        record["commit_time"] = created - commit
    return record


HISTORY = {
    # went live, 2 h 31 min from commit to live
    "r1": release("r1", ago(days=20), "succeeded", commit=timedelta(hours=2), switched=timedelta(minutes=30),
                  confirmed=timedelta(minutes=31), active_color="green"),
    # went live, rolled back in the bake: restored 13 min after its switch; lead 1 h 21 min
    "r2": release("r2", ago(days=10), "rolled_back", commit=timedelta(hours=1),
                  switched=timedelta(minutes=20), confirmed=timedelta(minutes=21),
                  restored=timedelta(minutes=33), active_color="blue",
                  rollback={"at": ago(days=10) + timedelta(minutes=32), "flipped": True}),
    # refused: never live
    "r3": release("r3", ago(days=5), "refused"),
    # went live without a commit time
    "r4": release("r4", ago(days=3), "succeeded", switched=timedelta(minutes=15),
                  confirmed=timedelta(minutes=16), active_color="green"),
    # went live, its rollback failed: still on green, not restored; lead 4 h
    "r5": release("r5", ago(days=2), "rollback_failed", commit=timedelta(hours=3),
                  switched=timedelta(minutes=59), confirmed=timedelta(minutes=60), active_color="green"),
    # still running
    "r7": release("r7", ago(hours=1), None),
    # outside a 30-day window
    "r6": release("r6", ago(days=40), "succeeded", switched=timedelta(minutes=5), active_color="green"),
    # another app
    "b1": release("b1", ago(days=1), "succeeded", app="billpay", switched=timedelta(minutes=5)),
}  # fmt: skip


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        table = boto3.resource("dynamodb", region_name="us-east-1").create_table(
            TableName="releases", **RELEASES_TABLE_SCHEMA
        )
        store = ReleaseStore(table)
        for release_id, fields in HISTORY.items():
            store.create_record(release_id, fields)
        yield


def report(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(MYAPP), "report", *args], env=ENV, catch_exceptions=False)


def test_the_four_figures_over_30_days_have_the_known_answers(seeded: None) -> None:
    # When the report of the last 30 days is asked for, as JSON
    result = report("--since", "30d", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    figures = data["figures"]
    # Then: 4 of the 5 ended releases went live in 30 days (r1, r2, r4, r5) ...
    assert figures["release_frequency"] == {
        "went_live": 4,
        "per_day": round(4 / 30, 3),
        "per_week": round(4 / 30 * 7, 3),
        "releases": 6,
        "ended": 5,
    }
    # ... lead times 2h31m, 1h21m, 4h (r4 had no commit time): median 2h31m, p90 4h ...
    assert figures["lead_time"] == {
        "median_seconds": (2 * 60 + 31) * 60,
        "p90_seconds": 4 * 3600,
        "releases": 3,
        "live_without_commit_time": 1,
    }
    # ... r2 and r5 failed in production: 50% ...
    assert figures["change_failure_rate"] == {"percent": 50.0, "failed_changes": 2, "went_live": 4}
    # ... r2 restored 13 minutes after its switch; r5 is not restored
    assert figures["time_to_restore"] == {
        "median_seconds": 13 * 60,
        "p90_seconds": 13 * 60,
        "releases": 1,
        "not_restored": 1,
    }
    # and the table lists the window's releases of this app, newest first
    assert [r["release_id"] for r in data["releases"]] == ["r7", "r5", "r4", "r3", "r2", "r1"]
    r2 = next(r for r in data["releases"] if r["release_id"] == "r2")
    assert r2["switch_to_rollback_seconds"] == 12 * 60
    assert r2["phases_seconds"] == {"deploy": 120.0, "switch_propagation": 60.0}


def test_a_shorter_window_counts_only_its_releases(seeded: None) -> None:
    figures = json.loads(report("--since", "7d", "--json").output)["figures"]
    assert figures["release_frequency"]["went_live"] == 2  # r4, r5
    assert figures["change_failure_rate"]["percent"] == 50.0
    assert figures["lead_time"]["median_seconds"] == 4 * 3600
    assert figures["time_to_restore"] == {
        "median_seconds": None,
        "p90_seconds": None,
        "releases": 0,
        "not_restored": 1,
    }


def test_on_a_terminal_the_figures_come_with_a_chart_and_the_table(seeded: None) -> None:
    result = report("--since", "30d")
    assert result.exit_code == 0, result.output
    for text in ("release frequency", "lead time", "change failure rate", "time to restore", "50.0%"):
        assert text in result.output
    assert "releases per day" in result.output
    assert result.output.count("█") >= 1 + 6  # the legend's blocks and one per release
    assert "lead time per release" in result.output
    assert "NOT" in result.output  # r5: not restored


@pytest.mark.parametrize("since", ["30", "0d", "2y", "400d"])
def test_a_window_it_cannot_read_is_refused_naming_the_option(seeded: None, since: str) -> None:
    result = CliRunner().invoke(cli, ["--config", str(MYAPP), "report", "--since", since], env=ENV)
    assert result.exit_code == 2
    assert "--since" in result.output
