"""`bluegreen release start|status|watch|history` against moto in server mode running the real
workflow, driven only through the CLI's options and BLUEGREEN_* names."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bluegreen.cli.endings import EXIT_FAILED, EXIT_SUCCEEDED
from tests.integration.cli_world import CliWorld, cli_world
from tests.integration.release_world import REPO


@pytest.fixture(scope="module")
def world() -> Iterator[CliWorld]:
    with cli_world() as world:
        yield world


def test_start_sends_the_release_input_and_names_the_release(world: CliWorld) -> None:
    # When a release starts with images, a change ref and a name, without waiting
    with world.approver("approve"):
        result = world.run(
            "--json",
            "release",
            "start",
            "--version",
            "v3",
            "--image",
            f"payment={REPO}/payment:v3",
            "--change-ref",
            "CHG-42",
            "--name",
            "rel-v3",
            "--triggered-by",
            "github-actions",
        )
        assert result.exit_code == 0, result.output
        started = json.loads(result.output)
        # Then the execution is named after the release and carries the input the workflow validates
        assert started["release_id"] == "rel-v3"
        assert started["execution_arn"].endswith(":rel-v3")
        assert started["input"] == {
            "version": "v3",
            "images": {"payment": f"{REPO}/payment:v3"},
            "triggered_by": "github-actions",
            "change_ref": "CHG-42",
        }
        # and `watch` follows it to its end, exiting like --wait
        watched = world.run("watch", "rel-v3", "--poll-seconds", "0.05", "--timeout", "60")
    assert watched.exit_code == EXIT_SUCCEEDED, watched.output
    assert "switched" in watched.output
    assert "release rel-v3: succeeded" in watched.output


def test_status_shows_the_record_and_the_execution(world: CliWorld) -> None:
    result = world.run("status", "rel-v3", "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["status"] == "SUCCEEDED"
    assert status["outcome"] == "succeeded"
    assert status["record"]["change_ref"] == "CHG-42"
    assert status["record"]["images"] == {"payment": f"{REPO}/payment:v3"}
    assert "baked" in status["record"]["steps"]
    human = world.run("release", "status", "rel-v3")
    assert human.exit_code == 0, human.output
    assert "rel-v3" in human.output
    assert "succeeded" in human.output


def test_triggered_by_defaults_to_the_callers_identity(world: CliWorld) -> None:
    # Given a release that stalls nowhere but is never approved: its failure is not the point here
    world.preprod.failing.add("/payment/health")
    try:
        result = world.run("--json", "release", "start", "--version", "v4", "--name", "rel-v4", "--wait")
    finally:
        world.preprod.failing.clear()
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    # the identity the CLI's credentials belong to, as STS reports it (the local operator here)
    assert world.workflow.iam is not None
    assert lines[0]["input"]["triggered_by"] == world.workflow.iam.admin.arn
    assert result.exit_code == EXIT_FAILED
    assert "503" in lines[-1]["reason"]


def test_history_lists_releases_newest_first(world: CliWorld) -> None:
    result = world.run("--json", "history", "--limit", "5")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["release_id"] for row in rows] == ["rel-v4", "rel-v3"]
    assert [row["outcome"] for row in rows] == ["failed", "succeeded"]
    assert len(json.loads(world.run("--json", "history", "--limit", "1").output)) == 1
    human = world.run("release", "history")
    assert "rel-v3" in human.output
    assert "rel-v4" in human.output


def test_unknown_release_and_bad_images_are_clear_errors(world: CliWorld) -> None:
    missing = world.run("status", "no-such-release")
    assert missing.exit_code == 1
    assert "no release no-such-release" in missing.output
    bad = world.run("release", "start", "--version", "v5", "--image", "payment")
    assert bad.exit_code == 2  # click's usage error
    assert "SERVICE=IMAGE" in bad.output
