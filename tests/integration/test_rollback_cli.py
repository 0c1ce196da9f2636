"""`bluegreen rollback` as an operator types it: the CLI invokes the same rollback function as the
alarm rule (moto server, the real handler), prints the outcome, and exits 1 with the reason when refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.integration.cli_world import CliWorld, cli_world


@contextmanager
def gateways_following(world: CliWorld) -> Iterator[None]:
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(0.05):
            world.workflow.aws.gateways.tick()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_rollback_from_the_cli_flips_back_and_says_why_when_refused() -> None:
    with cli_world(rollback__window_minutes=30) as world:
        world.env["BLUEGREEN_ROLLBACK_FUNCTION"] = "bluegreen-AlarmRollback"
        # Nothing finished yet: refused, with the reason, exit 1
        refused = world.run("rollback", "--reason", "too early", "--by", "alice")
        assert refused.exit_code == 1
        assert "no finished release" in refused.output

        # Given v2 released to green
        with world.approver():
            started = world.run("release", "start", "--version", "v2", "--wait")
        assert started.exit_code == 0, started.output
        assert world.active_color() == "green"

        # When an operator rolls back
        with gateways_following(world):
            result = world.run("rollback", "--reason", "checkout errors", "--by", "alice", "--json")

        # Then traffic is back on blue and the answer says so
        assert result.exit_code == 0, result.output
        answer = json.loads(result.output)
        assert answer["status"] == "rolled_back"
        assert answer["color"] == "blue"
        assert world.active_color() == "blue"
        record = world.workflow.runtime.releases.get_record(answer["release_id"]) or {}
        assert record["rollback"]["requested_by"] == "alice"
        assert "checkout errors" in record["rollback"]["reason"]

        # and asking again is harmless
        again = world.run("rollback", "--by", "alice")
        assert again.exit_code == 0, again.output
        assert "already rolled back" in again.output


def test_rollback_to_a_colour_from_the_cli() -> None:
    with cli_world() as world:
        world.env["BLUEGREEN_ROLLBACK_FUNCTION"] = "bluegreen-AlarmRollback"
        with world.approver():
            started = world.run("release", "start", "--version", "v2", "--wait")
        assert started.exit_code == 0, started.output
        assert world.active_color() == "green"

        with gateways_following(world):
            result = world.run(
                "rollback", "--to", "blue", "--reason", "stuck release", "--by", "alice", "--json"
            )
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["status"] == "rolled_back"
        assert world.active_color() == "blue"

        with gateways_following(world):
            again = world.run("rollback", "--to", "blue", "--by", "alice")
        assert again.exit_code == 0, again.output
        assert "already" in again.output

        assert world.run("rollback", "--to", "purple").exit_code != 0  # click refuses: not a colour
