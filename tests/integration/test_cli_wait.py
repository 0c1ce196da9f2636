"""`bluegreen release start --wait` against moto in server mode running the real workflow: the exit
code says how the release ended, and the reason is printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bluegreen.cli.endings import EXIT_FAILED, EXIT_REJECTED, EXIT_ROLLED_BACK, EXIT_SUCCEEDED
from bluegreen.local.fake_kube import RolloutMode
from tests.integration.cli_world import CliWorld, cli_world

WAIT = ("release", "start", "--version", "v2", "--wait", "--poll-seconds", "0.05", "--timeout", "60")


@pytest.fixture(scope="module")
def world() -> Iterator[CliWorld]:
    with cli_world() as world:
        yield world


def test_a_release_that_switches_and_bakes_exits_0(world: CliWorld) -> None:
    # Given traffic on one colour and an approver who approves
    before = world.active_color()
    with world.approver("approve") as decided:
        # When the pipeline starts a release and waits
        result = world.run("release", "start", "--version", "v2", "--wait", "--poll-seconds", "0.05")
    # Then it exits 0, traffic is on the other colour, and each step was printed as it happened
    assert result.exit_code == EXIT_SUCCEEDED, result.output
    assert decided
    assert world.active_color() != before
    assert "succeeded" in result.output
    for step in ("prepared", "deployed", "smoke_tested", "approved", "switched", "baked", "finished"):
        assert step in result.output


def test_a_stalled_rollout_exits_1_with_the_reason(world: CliWorld) -> None:
    # Given payment's new pods never become ready in the idle colour
    idle = world.idle_namespace()
    world.kube.set_rollout_mode(idle, "payment", RolloutMode.STALL)
    try:
        result = world.run(*WAIT)
    finally:  # the next test's release finds payment healthy again
        world.kube.set_rollout_mode(idle, "payment", RolloutMode.COMPLETE)
        world.kube.store.complete_rollout(idle, "payment")
    assert result.exit_code == EXIT_FAILED, result.output
    assert "failed" in result.output
    assert "payment" in result.output


def test_a_rejected_release_exits_2_with_who_and_why(world: CliWorld) -> None:
    with world.approver("reject", reason="card BIN table not migrated"):
        result = world.run("--json", *WAIT)
    assert result.exit_code == EXIT_REJECTED, result.output
    ending = json.loads(result.output.strip().splitlines()[-1])
    assert ending["outcome"] == "rejected"
    assert ending["error"] == "ReleaseRejected"
    assert "card BIN table not migrated" in ending["reason"]


def test_an_alarm_during_the_bake_rolls_back_and_exits_3(world: CliWorld) -> None:
    # Given an alarm that fires while the release bakes
    before = world.active_color()
    checks = 0

    def fire_alarm(function: str, event: dict[str, Any]) -> None:
        nonlocal checks
        if function == "CheckBake":
            checks += 1
            if checks == 2:
                world.workflow.aws.cloudwatch.set_alarm_state(
                    AlarmName="myapp-prod-payment-failures", StateValue="ALARM", StateReason="declines spiked"
                )

    world.workflow.on_invoke = fire_alarm
    try:
        with world.approver("approve"):
            result = world.run(*WAIT)
    finally:
        world.workflow.on_invoke = None
        world.workflow.aws.cloudwatch.set_alarm_state(
            AlarmName="myapp-prod-payment-failures", StateValue="OK", StateReason="test over"
        )
    # Then it exits 3, naming the alarm, and traffic is back where it was
    assert result.exit_code == EXIT_ROLLED_BACK, result.output
    assert "rolled_back" in result.output
    assert "myapp-prod-payment-failures" in result.output
    assert world.active_color() == before
