"""`bluegreen rollback --to <colour>`: the supported way out of a failed rollback or of a release
stopped after its switch, with the same guards as every flip (lock, version, health, gateways)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kubernetes import client as k8s

from bluegreen.models import Outcome
from tests.integration.release_world import APPROVER, World, release_world


@contextmanager
def gateways_following(world: World) -> Iterator[None]:
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


def roll_back_to(world: World, color: str, **manual: Any) -> dict[str, Any]:
    event = {"manual": {"requested_by": "alice", "reason": "checkout errors", "to": color, **manual}}
    with gateways_following(world):
        answer: dict[str, Any] = world.workflow.call_handler("AlarmRollback", event)
    return answer


def alarm_in_bake(world: World) -> None:
    calls = {"n": 0}

    def hook(name: str, event: dict[str, Any]) -> None:
        if name == "CheckBake":
            calls["n"] += 1
            if calls["n"] == 2:
                alarm = world.config.alarms.names[0]
                world.workflow.aws.cloudwatch.set_alarm_state(
                    AlarmName=alarm, StateValue="ALARM", StateReason="x"
                )

    world.workflow.on_invoke = hook


def failed_rollback(world: World) -> str:
    """A release whose bake alarmed and whose rollback was denied: traffic left on green."""
    alarm_in_bake(world)
    world.workflow.faults.aws("Rollback", "PutParameter", "AccessDeniedException")
    release_id, execution = world.release("v2")
    world.workflow.deliver_execution_ended(execution["executionArn"])
    assert world.workflow.record(release_id)["outcome"] == Outcome.ROLLBACK_FAILED.value
    assert world.active_color() == "green"
    world.workflow.faults.clear()
    world.workflow.on_invoke = None
    for name in world.config.alarms.all_watched_names(world.config.app, world.config.environment):
        world.workflow.aws.cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="fixed")
    return release_id


def test_after_a_failed_rollback_rollback_to_puts_traffic_back_and_records_who_and_why() -> None:
    with release_world(bake__minutes=2) as world:
        release_id = failed_rollback(world)
        # When on-call puts traffic back on blue by hand
        answer = roll_back_to(world, "blue")
        # Then blue serves, the gateways confirmed it, and the release says it was rolled back by hand
        assert answer["status"] == "rolled_back", answer
        assert answer["gateways_confirmed"] is True
        assert world.active_color() == "blue"
        record = world.workflow.record(release_id)
        assert record["outcome"] == "rolled_back"
        assert record["previous_outcome"] == "rollback_failed"
        assert record["manual_rollback"]["by"] == "alice"
        assert record["manual_rollback"]["reason"] == "checkout errors"
        assert record["active_color"] == "blue"
        news = [n for n in world.workflow.aws.notifier.sent if n.release_id == release_id]
        assert "put on blue by hand" in news[-1].text
        # and asking again changes nothing
        assert roll_back_to(world, "blue")["status"] == "already_rolled_back"


def test_a_failed_rollback_keeps_the_ordinary_rollback_armed() -> None:
    with release_world(bake__minutes=2, rollback__window_minutes=30) as world:
        release_id = failed_rollback(world)
        with gateways_following(world):
            answer = world.workflow.call_handler("AlarmRollback", {"manual": {"requested_by": "bob"}})
        assert answer["status"] == "rolled_back", answer
        assert answer["release_id"] == release_id
        assert world.active_color() == "blue"


def test_a_release_stopped_after_its_switch_can_be_put_back() -> None:
    with release_world() as world:
        arns: list[str] = []

        def stop_while_confirming(state: str, seconds: int) -> None:
            if state == "WaitForGateways" and arns:
                world.workflow.aws.sfn.stop_execution(executionArn=arns[0])

        world.workflow.on_wait = stop_while_confirming
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci"})
        arns.append(arn)
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        world.workflow.decide(release_id, "approve", APPROVER)
        world.workflow.wait_for_end(arn)
        world.workflow.deliver_execution_ended(arn)
        record = world.workflow.record(release_id)
        assert record["outcome"] == "aborted"
        assert "green" in record["traffic"]
        assert world.active_color() == "green"

        assert roll_back_to(world, "blue")["status"] == "rolled_back"
        assert world.active_color() == "blue"
        assert world.workflow.record(release_id)["outcome"] == "rolled_back"


def refused(world: World, color: str, **manual: Any) -> str:
    answer = roll_back_to(world, color, **manual)
    assert answer["status"] == "refused", answer
    return str(answer["message"])


def test_rollback_to_is_refused_while_a_release_runs_or_when_the_parameter_moved() -> None:
    with release_world() as world:
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci"})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        assert "stop that execution first" in refused(world, "green")
        world.workflow.decide(release_id, "reject", APPROVER, reason="done")
        world.workflow.wait_for_end(arn)

        version = int(
            world.workflow.aws.ssm.get_parameter(Name=world.config.parameter_name)["Parameter"]["Version"]
        )
        assert "changed since you looked" in refused(world, "green", expected_version=version - 1)
        assert world.active_color() == "blue"


def test_rollback_to_never_puts_traffic_on_a_colour_that_cannot_take_it() -> None:
    with release_world() as world:
        # Given green exists but is scaled down to nothing
        world.release("v2")  # green live
        apps = k8s.AppsV1Api(world.kube.api_client())
        for service in world.config.services:
            apps.patch_namespaced_deployment_scale(service.deployment_name, "blue", {"spec": {"replicas": 0}})
        message = refused(world, "blue")
        assert "scaled down to 0" in message
        assert world.active_color() == "green"
