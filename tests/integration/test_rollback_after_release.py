"""Rollback after the workflow: a finished release is undone by an alarm (or a person) while its
rollback window is open, and the old colour is scaled down only when the window closes.

moto's alarms are driven with set_alarm_state; the EventBridge event CloudWatch would send is
delivered to the AlarmRollback handler (moto has no EventBridge -> Lambda delivery).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from tests.integration.release_world import World, release_world

PAYMENT_ALARM = "myapp-prod-payment-failures"
ERRORS_ALARM = "myapp-prod-5xx"


def alarm_event(world: World, name: str) -> dict[str, Any]:
    """The "CloudWatch Alarm State Change" event for the alarm as it stands now."""
    cloudwatch = world.workflow.aws.cloudwatch
    alarm = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    return {
        "version": "0",
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "resources": [alarm["AlarmArn"]],
        "detail": {
            "alarmName": name,
            "state": {"value": alarm["StateValue"], "reason": alarm["StateReason"]},
            "previousState": {"value": "OK"},
        },
    }


def fire(world: World, name: str) -> dict[str, Any]:
    world.workflow.aws.cloudwatch.set_alarm_state(
        AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed: 12 payment failures"
    )
    return alarm_event(world, name)


@contextmanager
def gateways_following(world: World) -> Iterator[None]:
    """The gateways keep polling the parameter and acknowledging, as the agents do."""
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


def deliver(world: World, event: dict[str, Any]) -> dict[str, Any]:
    with gateways_following(world):
        return dict(world.workflow.call_handler("AlarmRollback", event))


def released_to_green(world: World) -> tuple[str, int]:
    release_id, execution = world.release("v2")
    assert execution["status"] == "SUCCEEDED", execution
    assert world.active_color() == "green"
    return release_id, int(world.workflow.record(release_id)["parameter_versions"]["switch"])


def parameter_version(world: World) -> int:
    ssm = world.workflow.aws.ssm
    return int(ssm.get_parameter(Name=world.config.parameter_name)["Parameter"]["Version"])


def replicas(world: World, namespace: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for service in world.config.service_names:
        obj = world.kube.get_object("Deployment", namespace, service)
        assert obj is not None
        found[service] = int(obj["spec"]["replicas"])
    return found


def test_alarm_after_the_release_flips_traffic_back_and_records_why() -> None:
    with release_world() as world:
        # Given v2 released to green, its workflow finished
        release_id, switch_version = released_to_green(world)
        notified = len(world.workflow.aws.notifier.sent)

        # When the payment-failure alarm fires and its state change reaches the rollback function
        result = deliver(world, fire(world, PAYMENT_ALARM))

        # Then traffic is back on blue, flipped from exactly the release's parameter version
        assert result["status"] == "rolled_back", result
        assert world.active_color() == "blue"
        assert parameter_version(world) == switch_version + 1
        assert result["gateways_confirmed"] is True
        # and the release record says it was rolled back, by which alarm, and why
        record = world.workflow.record(release_id)
        assert record["outcome"] == "rolled_back"
        assert record["active_color"] == "blue"
        assert record["rollback"]["alarm"] == PAYMENT_ALARM
        assert "12 payment failures" in record["rollback"]["reason"]
        assert record["rollback"]["parameter_version"] == switch_version + 1
        assert "rolled_back_after_release" in record["steps"]
        # and people were told
        news = world.workflow.aws.notifier.sent[notified:]
        assert [n.event for n in news] == ["rolled_back"]
        assert PAYMENT_ALARM in news[0].text
        assert "blue" in news[0].text
        # the lock is free for the next release, and a late duplicate event changes nothing
        assert world.lock_holder() is None
        again = deliver(world, alarm_event(world, PAYMENT_ALARM))
        assert again["status"] == "already_rolled_back"
        assert parameter_version(world) == switch_version + 1


def test_two_alarms_at_once_flip_once() -> None:
    with release_world() as world:
        _release_id, switch_version = released_to_green(world)
        events = [fire(world, PAYMENT_ALARM), fire(world, ERRORS_ALARM)]

        # When both alarms' events are handled at the same moment
        with gateways_following(world), ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda e: world.workflow.call_handler("AlarmRollback", e), events))

        # Then exactly one flipped, the other says it was already done
        assert sorted(r["status"] for r in results) == ["already_rolled_back", "rolled_back"], results
        assert world.active_color() == "blue"
        assert parameter_version(world) == switch_version + 1
        rolled_back = [n for n in world.workflow.aws.notifier.sent if n.event == "rolled_back"]
        assert len(rolled_back) == 1
        assert world.lock_holder() is None


def test_alarms_that_do_not_concern_the_live_release_are_ignored() -> None:
    with release_world() as world:
        released_to_green(world)
        # an alarm that is no longer ALARM when its (late) event arrives
        late = fire(world, PAYMENT_ALARM)
        world.workflow.aws.cloudwatch.set_alarm_state(
            AlarmName=PAYMENT_ALARM, StateValue="OK", StateReason="ok"
        )
        assert deliver(world, late)["status"] == "ignored"
        # the health alarm of the idle colour (blue) says nothing about the live one
        other = {
            **late,
            "detail": {**late["detail"], "alarmName": "bluegreen-myapp-prod-blue-release-health"},
        }
        result = deliver(world, other)
        assert result["status"] == "ignored"
        assert "does not watch the live colour green" in result["message"]
        assert world.active_color() == "green"


def test_no_rollback_once_the_window_has_closed_and_the_old_colour_is_scaled_down_only_then() -> None:
    with release_world(rollback__window_minutes=30) as world:
        release_id, switch_version = released_to_green(world)
        clock = world.workflow.aws.clock

        # Before the window closes, the scheduled scale-down leaves blue up
        clock.advance(29 * 60)
        waiting = world.workflow.call_handler("ScaleDown", {})
        assert waiting["status"] == "waiting", waiting
        assert replicas(world, "blue") == {"payment": 2, "user-login": 2, "user-profile": 2}

        # After it closes, an alarm no longer rolls back: it says why, in the record and to people
        clock.advance(2 * 60)
        refused = deliver(world, fire(world, PAYMENT_ALARM))
        assert refused["status"] == "refused"
        assert "rollback window" in refused["message"]
        assert "closed" in refused["message"]
        assert world.active_color() == "green"
        assert parameter_version(world) == switch_version
        record = world.workflow.record(release_id)
        assert "rollback window" in record["rollback_refused"]["reason"]
        assert record["outcome"] == "succeeded"
        assert world.workflow.aws.notifier.sent[-1].event == "rollback_refused"

        # and the scheduled scale-down now scales blue to 0, never green
        done = world.workflow.call_handler("ScaleDown", {})
        assert done["status"] == "scaled_down", done
        assert replicas(world, "blue") == {"payment": 0, "user-login": 0, "user-profile": 0}
        assert replicas(world, "green") == {"payment": 2, "user-login": 2, "user-profile": 2}
        assert world.workflow.record(release_id)["scaled_down"]["namespace"] == "blue"
        assert world.workflow.call_handler("ScaleDown", {})["status"] == "nothing_to_do"
        assert world.lock_holder() is None


def test_never_rolls_back_to_a_scaled_down_or_unhealthy_colour() -> None:
    with release_world() as world:
        release_id, switch_version = released_to_green(world)
        # Given someone scaled blue's payment down by hand during the window
        body = world.kube.get_object("Deployment", "blue", "payment")
        assert body is not None
        api = world.workflow.runtime.kube()
        from bluegreen.adapters.kube import Deployments

        Deployments(api).patch("blue", "payment", {"spec": {"replicas": 0}})

        # When a person asks for a rollback (the CLI's path: the same function)
        result = deliver(world, {"manual": {"requested_by": "alice", "reason": "checkout errors"}})

        # Then it is refused, naming the service, and traffic stays where it is
        assert result["status"] == "refused"
        assert "will not roll back to blue" in result["message"]
        assert "payment is scaled down" in result["message"]
        assert world.active_color() == "green"
        assert parameter_version(world) == switch_version
        assert world.workflow.record(release_id)["rollback_refused"]["trigger"]["requested_by"] == "alice"
        assert world.lock_holder() is None


def test_a_person_rolls_back_through_the_same_path() -> None:
    with release_world() as world:
        release_id, _ = released_to_green(world)
        result = deliver(world, {"manual": {"requested_by": "alice", "reason": "checkout errors"}})
        assert result["status"] == "rolled_back", result
        assert world.active_color() == "blue"
        rollback = world.workflow.record(release_id)["rollback"]
        assert rollback["trigger"] == "manual"
        assert rollback["requested_by"] == "alice"
        assert "checkout errors" in rollback["reason"]
        # the rolled-back colour (green) is left as deployed, for debugging: no scale-down
        world.workflow.aws.clock.advance(2 * 60 * 60)
        assert world.workflow.call_handler("ScaleDown", {})["status"] == "nothing_to_do"
        assert replicas(world, "green") == {"payment": 2, "user-login": 2, "user-profile": 2}


def test_once_a_newer_release_has_started_the_previous_one_is_not_rolled_back() -> None:
    with release_world() as world:
        released_to_green(world)
        # Given v3 started (it redeploys blue) and waits for approval
        arn = world.workflow.start({"version": "v3", "triggered_by": "ci-pipeline"})
        world.workflow.wait_for_approval_request(arn.rsplit(":", 1)[-1])

        # Then an alarm is left to that release's workflow, and a person is told why not
        assert deliver(world, fire(world, PAYMENT_ALARM))["status"] == "ignored"
        refused = deliver(world, {"manual": {"requested_by": "alice"}})
        assert refused["status"] == "refused"
        assert "started after release" in refused["message"]
        assert world.active_color() == "green"


def crashed_execution_holds_the_lock(world: World) -> str:
    """The lock as an execution that died without releasing it leaves it (no ExecutionEnded ran)."""
    crashed = world.workflow.aws.state_machine_arn.replace(":stateMachine:", ":execution:") + ":crashed"
    config = world.config
    world.workflow.runtime.releases.acquire_lock(
        config.app, config.environment, crashed, "crashed", lambda _holder: False
    )
    assert world.lock_holder() == crashed
    return crashed


def test_a_lock_left_by_an_execution_that_no_longer_runs_does_not_stop_the_rollback() -> None:
    with release_world() as world:
        # Given v2 live on green, and the lock held by an execution that no longer exists
        _release_id, switch_version = released_to_green(world)
        crashed_execution_holds_the_lock(world)

        # When the payment alarm fires
        result = deliver(world, fire(world, PAYMENT_ALARM))

        # Then the rollback asks Step Functions about the holder, takes the stale lock over, and flips
        assert result["status"] == "rolled_back", result
        assert world.active_color() == "blue"
        assert parameter_version(world) == switch_version + 1
        assert world.lock_holder() is None


def test_a_lock_left_by_an_execution_that_no_longer_runs_does_not_stop_the_scale_down() -> None:
    with release_world(rollback__window_minutes=30) as world:
        # Given the rollback window closed, and the lock held by an execution that no longer exists
        released_to_green(world)
        world.workflow.aws.clock.advance(31 * 60)
        crashed_execution_holds_the_lock(world)

        # When the schedule runs the scale-down, then it takes the stale lock over and scales blue down
        done = world.workflow.call_handler("ScaleDown", {})
        assert done["status"] == "scaled_down", done
        assert replicas(world, "blue") == {"payment": 0, "user-login": 0, "user-profile": 0}
        assert world.lock_holder() is None
