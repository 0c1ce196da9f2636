"""The fault matrix: faults injected into the local workflow (moto executing the real ASL with the
real handlers, the fake Kubernetes API server over HTTP), and for every scenario the five things a
release must agree on: where the parameter points, what the gateways acknowledge, the lock released,
the record's outcome and reason, a notification telling the truth — and the CLI's exit code and
the metrics the functions printed.

One world for the module (virtual time); each scenario starts from blue, healthy, with no fault.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bluegreen.adapters.release_store import ReleaseStore
from bluegreen.cli.endings import Releases
from bluegreen.local.fake_kube import RolloutMode
from bluegreen.local.faults import LAMBDA_TIMEOUT
from bluegreen.metrics.facts import ReleaseFacts
from bluegreen.metrics.names import Metric
from bluegreen.models import Outcome
from tests.emf import emf_metrics, of_release, values
from tests.integration.release_world import APPROVER, World, release_world

GATEWAYS = ("gw-a", "gw-b")
TERMINAL_EVENTS = {o.value for o in Outcome}


@pytest.fixture(scope="module")
def shared_world() -> Iterator[World]:
    with release_world(rollback__window_minutes=30, bake__minutes=2) as world:
        yield world


@pytest.fixture
def world(shared_world: World) -> World:
    reset(shared_world)
    return shared_world


def reset(world: World) -> None:
    """Blue live, every alarm OK, every gateway following, every rollout completing, no fault."""
    workflow, config = world.workflow, world.config
    workflow.faults.clear()
    workflow.on_invoke = None
    workflow.on_wait = None
    world.preprod.failing.clear()
    for name in config.alarms.all_watched_names(config.app, config.environment):
        workflow.aws.cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="reset")
    if world.active_color() != "blue":
        workflow.aws.ssm.put_parameter(Name=config.parameter_name, Value="blue", Overwrite=True)
    for service in config.services:
        for namespace in ("blue", "green"):
            world.kube.set_rollout_mode(namespace, service.deployment_name, RolloutMode.COMPLETE)
            if world.kube.get_object("Deployment", namespace, service.deployment_name):
                world.kube.complete_rollout(namespace, service.deployment_name)
    workflow.aws.gateways.mode.update(dict.fromkeys(GATEWAYS, "follow"))
    workflow.aws.clock.advance(60)
    workflow.aws.gateways.tick()
    releases = workflow.aws.releases_table
    for pk in (f"LATEST#{config.app}#{config.environment}", f"LOCK#{config.app}#{config.environment}"):
        releases.delete_item(Key={"pk": pk})


# -- driving a release ----------------------------------------------------------------------------


@dataclass
class Run:
    release_id: str
    execution_arn: str
    notes: dict[str, Any] = field(default_factory=dict)


def set_alarm(world: World, state: str = "ALARM", name: str | None = None) -> str:
    config = world.config
    alarm = name or config.alarms.names[0]
    world.workflow.aws.cloudwatch.set_alarm_state(AlarmName=alarm, StateValue=state, StateReason="injected")
    return alarm


def release(
    world: World,
    *,
    on_pending: Callable[[World, str], None] | None = None,
    name: str | None = None,
) -> Run:
    """Start v2, approve it when asked (or let `on_pending` decide), wait for the end, and deliver
    the execution-ended event as EventBridge would."""
    arn = world.workflow.start({"version": next_version(), "triggered_by": "ci-pipeline"}, name=name)
    release_id = arn.rsplit(":", 1)[-1]
    decided = False
    deadline = time.monotonic() + 60
    while world.workflow.describe(arn)["status"] == "RUNNING":
        if not decided and world.workflow.pending_approval(release_id):
            decided = True
            if on_pending is None:
                world.workflow.decide(release_id, "approve", APPROVER)
            else:
                on_pending(world, release_id)
        assert time.monotonic() < deadline, f"release {release_id} still running"
        time.sleep(0.02)
    world.workflow.deliver_execution_ended(arn)
    return Run(release_id, arn)


_versions = iter(range(2, 10_000))


def next_version() -> str:
    """Every release ships a new version, so every release really rolls Deployments out."""
    return f"v{next(_versions)}"


def on_nth_invoke(world: World, function: str, n: int, action: Callable[[World], object]) -> None:
    """Run `action` just before the n-th invocation (1-based) of `function`."""
    calls = {"count": 0}

    def hook(name: str, event: dict[str, Any]) -> None:
        if name == function:
            calls["count"] += 1
            if calls["count"] == n:
                action(world)

    world.workflow.on_invoke = hook


def stop_in_wait(world: World, state: str, alarm_first: bool = False) -> Run:
    """Stop the execution (StopExecution) while it sits in the Wait state `state`."""
    arns: list[str] = []

    def on_wait(name: str, seconds: int) -> None:
        if name == state and arns:
            world.workflow.aws.sfn.stop_execution(executionArn=arns[0], error="Operator", cause="stopped")

    world.workflow.on_wait = on_wait
    original_start = world.workflow.start

    def start(release_input: Any, name: str | None = None) -> str:
        arn = original_start(release_input, name)
        arns.append(arn)
        return arn

    world.workflow.start = start  # type: ignore[method-assign]
    try:
        return release(world)
    finally:
        del world.workflow.start


# -- the scenarios ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    id: str
    color: str
    """Where the parameter, the following gateways and the record must say traffic is."""
    outcome: Outcome
    reason: str = ""
    """Must appear in the record's reason."""
    arrange: Callable[[World], object] = lambda world: None
    drive: Callable[[World], Run] = release
    following: tuple[str, ...] = GATEWAYS
    exit_code: int | None = None
    """The execution's exit code when it is not the outcome's (a rollback after the workflow)."""
    ended: Outcome | None = None
    """How the workflow itself ended, when the record says more (a rollback after it)."""


def fail(function: str, error_type: str, times: int | None = None) -> Callable[[World], object]:
    return lambda world: world.workflow.faults.lambda_error(function, error_type, times=times)


def aws(function: str, operation: str, code: str, times: int | None = None) -> Callable[[World], object]:
    return lambda world: world.workflow.faults.aws(function, operation, code, times=times)


def kube(status: int, times: int | None = None) -> Callable[[World], object]:
    return lambda world: world.workflow.faults.kubernetes("Deploy", status, times=times)


def both(*steps: Callable[[World], object]) -> Callable[[World], object]:
    def arrange(world: World) -> None:
        for step in steps:
            step(world)

    return arrange


def smoke_fails(world: World) -> None:
    world.preprod.failing.add("/payment/health")


def alarm_in_bake(world: World) -> None:
    on_nth_invoke(world, "CheckBake", 2, lambda w: set_alarm(w))


BEFORE_SWITCH = ["Prepare", "Deploy", "CheckRollout", "SmokeTests", "RequestApproval", "PreSwitchChecks"]
AFTER_SWITCH = ["Switch", "ConfirmGateways", "CheckBake"]

SCENARIOS: list[Scenario] = [
    # every Task state x a permanent error: before the switch nothing moves; after it, back to blue
    *[
        Scenario(f"{f}-permanent", "blue", Outcome.FAILED, "DependencyError", fail(f, "DependencyError"))
        for f in BEFORE_SWITCH
    ],
    *[
        Scenario(f"{f}-permanent", "blue", Outcome.FAILED, "blue", fail(f, "DependencyError"))
        for f in AFTER_SWITCH
    ],
    Scenario(
        "Rollback-permanent",
        "green",
        Outcome.ROLLBACK_FAILED,
        "ROLLBACK FAILED: traffic is still on green",
        both(alarm_in_bake, fail("Rollback", "DependencyError")),
    ),
    Scenario(
        "Finish-permanent",
        "green",
        Outcome.SUCCEEDED,
        "Finish could not record it",
        fail("Finish", "DependencyError"),
    ),
    Scenario(
        "RecordFailure-permanent",
        "blue",
        Outcome.FAILED,
        "FailureNotRecorded",
        both(smoke_fails, fail("RecordFailure", "DependencyError")),
    ),
    # every Task state x a transient error, then success: retried, the release goes on
    *[
        Scenario(f"{f}-transient-once", "green", Outcome.SUCCEEDED, "", fail(f, "TransientError", times=1))
        for f in [*BEFORE_SWITCH, *AFTER_SWITCH, "Finish"]
    ],
    Scenario(
        "Rollback-transient-once",
        "blue",
        Outcome.ROLLED_BACK,
        "during the bake",
        both(alarm_in_bake, fail("Rollback", "TransientError", times=1)),
    ),
    Scenario(
        "RecordFailure-transient-once",
        "blue",
        Outcome.FAILED,
        "payment",
        both(smoke_fails, fail("RecordFailure", "TransientError", times=1)),
    ),
    # every Task state x the function timing out every time: retried twice, then the same as permanent
    *[
        Scenario(f"{f}-timeout", "blue", Outcome.FAILED, "timed out after", fail(f, LAMBDA_TIMEOUT))
        for f in BEFORE_SWITCH
        if f != "RequestApproval"
    ],
    Scenario(
        "RequestApproval-timeout", "blue", Outcome.FAILED, "blue", fail("RequestApproval", LAMBDA_TIMEOUT)
    ),
    *[
        Scenario(f"{f}-timeout", "blue", Outcome.FAILED, "blue", fail(f, LAMBDA_TIMEOUT))
        for f in AFTER_SWITCH
    ],
    Scenario(
        "Rollback-timeout",
        "green",
        Outcome.ROLLBACK_FAILED,
        "traffic is still on green",
        both(alarm_in_bake, fail("Rollback", LAMBDA_TIMEOUT)),
    ),
    Scenario(
        "Finish-timeout",
        "green",
        Outcome.SUCCEEDED,
        "Finish could not record it",
        fail("Finish", LAMBDA_TIMEOUT),
    ),
    Scenario(
        "RecordFailure-timeout",
        "blue",
        Outcome.FAILED,
        "FailureNotRecorded",
        both(smoke_fails, fail("RecordFailure", LAMBDA_TIMEOUT)),
    ),
    # each Wait state x StopExecution
    Scenario(
        "stop-in-WaitForRollout",
        "blue",
        Outcome.ABORTED,
        "ended ABORTED",
        drive=lambda w: stop_in_wait(w, "WaitForRollout"),
    ),
    Scenario(
        "stop-in-WaitForGateways",
        "green",
        Outcome.ABORTED,
        "its bake unfinished",
        drive=lambda w: stop_in_wait(w, "WaitForGateways"),
    ),
    Scenario(
        "stop-in-WaitWhileBaking",
        "green",
        Outcome.ABORTED,
        "its bake unfinished",
        drive=lambda w: stop_in_wait(w, "WaitWhileBaking"),
    ),
    Scenario(
        "stop-in-WaitForRollbackGateways",
        "blue",
        Outcome.ABORTED,
        "ended ABORTED",
        alarm_in_bake,
        drive=lambda w: stop_in_wait(w, "WaitForRollbackGateways"),
        following=(),
    ),
    # Kubernetes
    Scenario("kubernetes-403", "blue", Outcome.FAILED, "HTTP 403", kube(403)),
    Scenario("kubernetes-409-once", "green", Outcome.SUCCEEDED, "", kube(409, times=1)),
    Scenario("kubernetes-500-once", "green", Outcome.SUCCEEDED, "", kube(500, times=2)),
    Scenario("kubernetes-500-always", "blue", Outcome.FAILED, "HTTP 500", kube(500)),
    Scenario("kubernetes-unreachable", "blue", Outcome.FAILED, "Connection refused", kube(0)),
    Scenario(
        "deployment-never-ready",
        "blue",
        Outcome.FAILED,
        "not ready within",
        lambda w: w.kube.set_rollout_mode("green", "payment", RolloutMode.MANUAL),
    ),
    # SSM at Switch and at Rollback
    Scenario(
        "switch-ssm-throttled-once",
        "green",
        Outcome.SUCCEEDED,
        "",
        aws("Switch", "PutParameter", "ThrottlingException", times=1),
    ),
    Scenario(
        "switch-ssm-too-many-updates-once",
        "green",
        Outcome.SUCCEEDED,
        "",
        aws("Switch", "PutParameter", "TooManyUpdates", times=1),
    ),
    Scenario(
        "switch-ssm-denied",
        "blue",
        Outcome.FAILED,
        "AccessDeniedException",
        aws("Switch", "PutParameter", "AccessDeniedException"),
    ),
    Scenario(
        "rollback-ssm-throttled-once",
        "blue",
        Outcome.ROLLED_BACK,
        "during the bake",
        both(alarm_in_bake, aws("Rollback", "PutParameter", "ThrottlingException", times=1)),
    ),
    Scenario(
        "rollback-ssm-denied",
        "green",
        Outcome.ROLLBACK_FAILED,
        "AccessDeniedException",
        both(alarm_in_bake, aws("Rollback", "PutParameter", "AccessDeniedException")),
    ),
    Scenario(
        "rollback-ssm-throttled-always",
        "green",
        Outcome.ROLLBACK_FAILED,
        "ThrottlingException",
        both(alarm_in_bake, aws("Rollback", "PutParameter", "ThrottlingException")),
    ),
    # DynamoDB at each write
    Scenario(
        "prepare-lock-throttled-once",
        "green",
        Outcome.SUCCEEDED,
        "",
        aws("Prepare", "PutItem", "ProvisionedThroughputExceededException", times=1),
    ),
    Scenario(
        "deploy-record-unavailable-once",
        "green",
        Outcome.SUCCEEDED,
        "",
        aws("Deploy", "UpdateItem", "InternalServerError", times=1),
    ),
    Scenario(
        "switch-record-unavailable",
        "blue",
        Outcome.FAILED,
        "blue",
        aws("Switch", "UpdateItem", "InternalServerError"),
    ),
    Scenario(
        "finish-record-throttled-once",
        "green",
        Outcome.SUCCEEDED,
        "",
        aws("Finish", "UpdateItem", "ThrottlingException", times=1),
    ),
    Scenario(
        "finish-record-unavailable",
        "green",
        Outcome.SUCCEEDED,
        "Finish could not record it",
        aws("Finish", "UpdateItem", "InternalServerError"),
    ),
    Scenario(
        "record-failure-unavailable",
        "blue",
        Outcome.FAILED,
        "FailureNotRecorded",
        both(smoke_fails, aws("RecordFailure", "UpdateItem", "InternalServerError")),
    ),
    Scenario(
        "record-deleted-mid-release",
        "blue",
        Outcome.FAILED,
        "does not exist",
        lambda w: on_nth_invoke(w, "CheckRollout", 1, delete_record),
    ),
    Scenario(
        "conditional-check-failed-at-update",
        "blue",
        Outcome.FAILED,
        "could not update the record",
        aws("PreSwitchChecks", "UpdateItem", "ConditionalCheckFailedException"),
    ),
    # gateways
    Scenario(
        "gateways-silent",
        "blue",
        Outcome.FAILED,
        "0 live gateway(s)",
        lambda w: silent(w, *GATEWAYS),
        following=(),
    ),
    Scenario(
        "gateway-partly-silent",
        "green",
        Outcome.SUCCEEDED,
        "",
        lambda w: silent(w, "gw-b"),
        following=("gw-a",),
    ),
    Scenario(
        "gateways-stuck",
        "blue",
        Outcome.FAILED,
        "gw-a holds blue",
        lambda w: w.workflow.aws.gateways.mode.update(dict.fromkeys(GATEWAYS, "stuck")),
    ),
    # alarms at each phase
    Scenario("alarm-before-start", "blue", Outcome.REFUSED, "is ALARM", lambda w: set_alarm(w)),
    Scenario(
        "alarm-during-approval",
        "blue",
        Outcome.REJECTED,
        "rejected by",
        drive=lambda w: release(w, on_pending=approve_refused_then_reject),
    ),
    Scenario(
        "alarm-between-switch-and-confirmation",
        "blue",
        Outcome.ROLLED_BACK,
        "is ALARM",
        lambda w: on_nth_invoke(w, "ConfirmGateways", 1, lambda x: set_alarm(x)),
    ),
    Scenario("alarm-during-bake", "blue", Outcome.ROLLED_BACK, "during the bake", alarm_in_bake),
    Scenario(
        "alarm-after-success",
        "blue",
        Outcome.ROLLED_BACK,
        "rolled back after the release finished",
        drive=lambda w: alarm_after_success(w),
        exit_code=0,
        ended=Outcome.SUCCEEDED,
    ),
    # concurrency and stale locks
    Scenario(
        "concurrent-release-refused",
        "blue",
        Outcome.REFUSED,
        "is still running",
        drive=lambda w: concurrent_release(w),
    ),
    Scenario("stale-lock-taken-over", "green", Outcome.SUCCEEDED, "", lambda w: stale_lock(w)),
]


def delete_record(world: World) -> None:
    arn = world.lock_holder()
    assert arn is not None
    world.workflow.aws.releases_table.delete_item(Key={"pk": f"RELEASE#{arn.rsplit(':', 1)[-1]}"})


def silent(world: World, *gateways: str) -> None:
    world.workflow.aws.gateways.mode.update(dict.fromkeys(gateways, "silent"))
    world.workflow.aws.clock.advance(3600)  # their last heartbeats are an hour old


def approve_refused_then_reject(world: World, release_id: str) -> None:
    set_alarm(world)
    with pytest.raises(Exception, match="approval refused"):
        world.workflow.decide(release_id, "approve", APPROVER)
    world.workflow.decide(release_id, "reject", APPROVER, reason="alarm fired while waiting")


def alarm_after_success(world: World) -> Run:
    run = release(world)
    assert world.workflow.describe(run.execution_arn)["status"] == "SUCCEEDED"
    alarm = set_alarm(world)
    event = {
        "detail-type": "CloudWatch Alarm State Change",
        "detail": {"alarmName": alarm, "state": {"value": "ALARM"}},
    }
    world.workflow.aws.gateways.mode.update(dict.fromkeys(GATEWAYS, "follow"))
    answer = call_with_gateways(world, lambda: world.workflow.call_handler("AlarmRollback", event))
    assert answer["status"] == "rolled_back", answer
    return run


def call_with_gateways(world: World, call: Callable[[], Any]) -> Any:
    """Run `call` while the gateways keep polling (AlarmRollback waits for their acknowledgements)."""
    import threading

    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.05):
            world.workflow.aws.gateways.tick()

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        return call()
    finally:
        stop.set()
        thread.join()


def concurrent_release(world: World) -> Run:
    first = world.workflow.start({"version": next_version(), "triggered_by": "ci-pipeline"})
    first_id = first.rsplit(":", 1)[-1]
    world.workflow.wait_for_approval_request(first_id)
    second = release(world)  # refused while the first waits for approval
    assert world.lock_holder() == first  # and the first keeps its lock
    world.workflow.decide(first_id, "reject", APPROVER, reason="the second one tested the lock")
    assert world.workflow.wait_for_end(first)["status"] == "FAILED"
    second.notes["first"] = first_id
    return second


def stale_lock(world: World) -> None:
    config = world.config
    gone = f"arn:aws:states:us-east-1:123456789012:execution:{config.app}-{config.environment}-release:gone"
    world.workflow.aws.releases_table.put_item(
        Item={"pk": f"LOCK#{config.app}#{config.environment}", "execution_arn": gone, "release_id": "gone"}
    )


# -- the five assertions ------------------------------------------------------------------------------


def acknowledged_colors(world: World) -> dict[str, str]:
    items = world.workflow.aws.acks_table.scan(ConsistentRead=True)["Items"]
    return {str(item["gateway_id"]): str(item.get("color")) for item in items}


def exit_code(world: World, execution_arn: str) -> int:
    reader = Releases.__new__(Releases)
    reader.sfn = world.workflow.aws.sfn
    reader.store = ReleaseStore(world.workflow.aws.releases_table)
    return reader.ending(execution_arn).exit_code


def metrics_agree_with_the_record(printed: list[str], record: dict[str, Any], scenario: Scenario) -> None:
    """The EMF the functions printed for this release (CloudWatch's view of it) says what the record
    says: one ending with its outcome, live or not, failed in production or not, restored or not."""
    release_id = str(record["release_id"])
    metrics = of_release(emf_metrics("\n".join(printed)), release_id)
    facts = ReleaseFacts.of_item(record)
    assert facts is not None
    ended = scenario.ended or scenario.outcome
    assert [(m.dimensions["Outcome"], m.values) for m in metrics if m.name == "ReleaseEnded"] == [
        (ended.value, [1.0])
    ]
    prepared = "colors" in record  # written only from Prepare's context (also when the record is restored)
    assert values(metrics, Metric.RELEASE_STARTED) == ([1.0] if prepared else [])
    assert values(metrics, Metric.WENT_LIVE) == ([1.0] if facts.went_live else [])
    assert sum(values(metrics, Metric.CHANGE_FAILED)) == (1 if facts.failed_change else 0)
    restore = facts.time_to_restore
    assert values(metrics, Metric.TIME_TO_RESTORE) == ([restore.total_seconds()] if restore else [])
    assert {m.dimensions.get("Phase") for m in metrics if m.name == "PhaseDuration"} == {
        phase.value for phase in facts.phases
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_every_ending_tells_the_truth(world: World, scenario: Scenario) -> None:
    # Given the fault
    scenario.arrange(world)
    sent_before = len(world.workflow.aws.notifier.sent)
    printed_before = len(world.workflow.emf.lines)
    # When a release runs into it
    run = scenario.drive(world)
    record = world.workflow.record(run.release_id)
    # Then 1. the parameter says where traffic is
    assert world.active_color() == scenario.color, record
    # 2. every following gateway acknowledges that colour
    acks = acknowledged_colors(world)
    assert {g: acks.get(g) for g in scenario.following} == dict.fromkeys(scenario.following, scenario.color)
    # 3. the lock is free
    assert world.lock_holder() is None
    # 4. the record says how it ended, why, and where traffic is
    assert record.get("outcome") == scenario.outcome.value, record
    assert scenario.reason in str(record.get("reason") or ""), record.get("reason")
    assert record.get("active_color") == scenario.color, record
    # 5. people were told, with the truth about traffic
    news = [
        n
        for n in world.workflow.aws.notifier.sent[sent_before:]
        if n.release_id == run.release_id and n.event in TERMINAL_EVENTS
    ]
    assert news, "no notification of the ending"
    assert news[-1].event == scenario.outcome.value
    assert f"on {scenario.color}" in news[-1].text, news[-1].text
    if scenario.outcome is Outcome.ROLLBACK_FAILED:
        assert "bluegreen rollback --to blue" in news[-1].text
    # 6. the CLI's exit code agrees
    expected = scenario.outcome.exit_code if scenario.exit_code is None else scenario.exit_code
    assert exit_code(world, run.execution_arn) == expected
    # 7. and so do the metrics the functions printed (embedded metric format)
    metrics_agree_with_the_record(
        world.workflow.emf.lines[printed_before:], world.workflow.record(run.release_id), scenario
    )


def test_the_matrix_is_large_enough() -> None:
    assert len(SCENARIOS) >= 40
