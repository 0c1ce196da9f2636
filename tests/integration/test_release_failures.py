"""Every way a release can end short of success leaves traffic on the right colour, the lock
released and the release recorded (DESIGN.md's table of endings)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.release_world import APPROVER, REPO, World, release_world


def assert_untouched(world: World, release_id: str, outcome: str) -> dict[str, Any]:
    """Traffic still on blue, the lock free, the record complete with `outcome`."""
    assert world.active_color() == "blue"
    assert world.lock_holder() is None
    record = world.workflow.record(release_id)
    assert record["outcome"] == outcome, record
    assert record["finished_at"]
    assert record["reason"]
    return record


def test_rollout_that_stalls_never_switches() -> None:
    with release_world() as world:
        # Given payment's new pods never become ready in green
        world.kube.set_rollout_mode("green", "payment", "stall")
        # When v2 is released
        release_id, execution = world.release("v2", approve=False)
        # Then it fails naming payment and the deadline, before anyone is asked to approve
        assert execution["status"] == "FAILED"
        record = assert_untouched(world, release_id, "failed")
        assert "payment" in record["reason"]
        assert "ProgressDeadlineExceeded" in record["reason"]
        assert "approval" not in record
        # and green is left as deployed, for debugging
        assert world.image("green", "payment") == f"{REPO}/payment:v2"


def test_rollout_that_never_finishes_fails_at_its_deadline() -> None:
    with release_world(rollout__timeout_seconds=120, rollout__poll_seconds=30) as world:
        world.kube.set_rollout_mode("green", "user-login", "manual")  # the controller never reports progress
        release_id, execution = world.release("v2", approve=False)
        assert execution["status"] == "FAILED"
        record = assert_untouched(world, release_id, "failed")
        assert "user-login" in record["reason"]
        assert "120s" in record["reason"]


def test_failing_smoke_tests_never_reach_approval() -> None:
    with release_world() as world:
        world.preprod.failing.add("/payment/health")
        release_id, execution = world.release("v2", approve=False)
        assert execution["status"] == "FAILED"
        record = assert_untouched(world, release_id, "failed")
        assert "payment" in record["reason"]
        assert "503" in record["reason"]
        assert record["smoke"]["passed"] is False
        assert "approval" not in record


def test_rejected_release_never_switches_and_records_who_and_why() -> None:
    with release_world() as world:
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci-pipeline"})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        world.workflow.decide(release_id, "reject", APPROVER, reason="card BIN table not migrated")
        execution = world.workflow.wait_for_end(arn)
        assert execution["status"] == "FAILED"
        record = assert_untouched(world, release_id, "rejected")
        assert "card BIN table not migrated" in record["reason"]
        assert record["approval"]["by"] == APPROVER
        # a late approval of the decided release is refused politely
        with pytest.raises(Exception, match="not waiting for approval"):
            world.workflow.decide(release_id, "approve", APPROVER)


def test_approval_that_times_out_never_switches() -> None:
    with release_world(approvals__timeout_seconds=1) as world:
        release_id, execution = world.release("v2", approve=False)
        assert execution["status"] == "FAILED"
        record = assert_untouched(world, release_id, "timed_out")
        assert record["approval"]["status"] == "timed_out"
        # the task token is gone with the release
        assert world.workflow.runtime.releases.get_approval(record["approval"]["approval_id"]) is None


def test_triggering_person_cannot_approve_their_own_release() -> None:
    with release_world() as world:
        arn = world.workflow.start({"version": "v2", "triggered_by": APPROVER})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        with pytest.raises(Exception, match="cannot approve"):
            world.workflow.decide(release_id, "approve", APPROVER)
        with pytest.raises(Exception, match="not an approver"):
            world.workflow.decide(release_id, "approve", "arn:aws:iam::123456789012:user/mallory")
        world.workflow.decide(release_id, "reject", APPROVER, reason="withdrawn")
        assert world.workflow.wait_for_end(arn)["status"] == "FAILED"


def test_gateways_that_do_not_acknowledge_get_the_parameter_reverted() -> None:
    with release_world() as world:
        # Given both gateways heartbeat but never apply a new version
        world.workflow.aws.gateways.mode.update({"gw-a": "stuck", "gw-b": "stuck"})
        release_id, execution = world.release("v2")
        assert execution["status"] == "FAILED"
        # Then the parameter is back on blue and the record says which gateways held what
        record = assert_untouched(world, release_id, "failed")
        assert "gw-a holds blue" in record["reason"]
        assert record["rollback"]["flipped"] is True
        assert record["parameter_versions"]["switch"] < record["rollback"]["parameter_version"]
        # and green is kept
        assert world.image("green", "payment") == f"{REPO}/payment:v2"


def test_no_live_gateway_is_a_failure_not_a_vacuous_success() -> None:
    with release_world() as world:
        world.workflow.aws.gateways.mode.update({"gw-a": "silent", "gw-b": "silent"})
        world.workflow.aws.clock.advance(3600)  # their last heartbeats are an hour old
        release_id, execution = world.release("v2")
        assert execution["status"] == "FAILED"
        record = assert_untouched(world, release_id, "failed")
        assert "0 live gateway(s)" in record["reason"]


def test_alarm_during_bake_puts_traffic_back_on_the_old_colour() -> None:
    with release_world() as world:
        checks = 0

        def fire_alarm(function: str, event: dict[str, Any]) -> None:
            nonlocal checks
            if function == "CheckBake":
                checks += 1
                if checks == 3:
                    world.workflow.aws.cloudwatch.set_alarm_state(
                        AlarmName="myapp-prod-payment-failures",
                        StateValue="ALARM",
                        StateReason="declines spiked",
                    )

        world.workflow.on_invoke = fire_alarm
        release_id, execution = world.release("v2")
        assert execution["status"] == "FAILED"
        record = assert_untouched(world, release_id, "rolled_back")
        assert "myapp-prod-payment-failures" in record["rollback"]["reason"]
        assert record["colors"]["after"] == "green"  # it had switched...
        assert record["active_color"] == "blue"  # ...and is back
        assert "rollback_confirmed" in record["steps"]


def test_alarm_already_firing_refuses_the_switch() -> None:
    with release_world() as world:
        # (An alarm firing when the approver clicks refuses the approval itself:
        # tests/integration/test_approvals_recheck.py. This one starts firing right after.)
        def burn(function: str, event: dict[str, Any]) -> None:
            if function == "PreSwitchChecks":
                world.workflow.aws.cloudwatch.set_alarm_state(
                    AlarmName="myapp-prod-5xx", StateValue="ALARM", StateReason="already burning"
                )

        world.workflow.on_invoke = burn
        release_id, execution = world.release("v2")
        assert execution["status"] == "FAILED"
        record = assert_untouched(world, release_id, "refused")
        assert "myapp-prod-5xx is ALARM" in record["reason"]
        assert "switched" not in record["steps"]


def test_idle_changed_after_deploy_refuses_the_switch() -> None:
    with release_world() as world:

        def tamper(function: str, event: dict[str, Any]) -> None:
            if function == "PreSwitchChecks":
                api = world.kube.api_client()
                from kubernetes import client as k8s

                k8s.AppsV1Api(api).patch_namespaced_deployment(
                    "payment",
                    "green",
                    {
                        "spec": {
                            "template": {
                                "spec": {
                                    "containers": [{"name": "payment", "image": f"{REPO}/payment:hotfix"}]
                                }
                            }
                        }
                    },
                )

        world.workflow.on_invoke = tamper
        release_id, execution = world.release("v2")
        record = assert_untouched(world, release_id, "refused")
        assert "payment changed in green" in record["reason"]
        assert execution["status"] == "FAILED"


def test_new_colours_health_alarm_during_bake_rolls_back() -> None:
    with release_world() as world:
        health = "bluegreen-myapp-prod-green-release-health"

        def fire(function: str, event: dict[str, Any]) -> None:
            if function == "CheckBake":
                world.workflow.aws.cloudwatch.set_alarm_state(
                    AlarmName=health, StateValue="ALARM", StateReason="green 5XX rate"
                )

        world.workflow.on_invoke = fire
        release_id, execution = world.release("v2")
        assert execution["status"] == "FAILED"
        record = assert_untouched(world, release_id, "rolled_back")
        assert health in record["rollback"]["reason"]


def test_old_colours_health_alarm_does_not_block_the_release() -> None:
    with release_world() as world:
        # blue (live) is unhealthy: that is a reason to move to green, not to refuse
        world.workflow.aws.cloudwatch.set_alarm_state(
            AlarmName="bluegreen-myapp-prod-blue-release-health", StateValue="ALARM", StateReason="blue 5XX"
        )
        _, execution = world.release("v2")
        assert execution["status"] == "SUCCEEDED", execution
        assert world.active_color() == "green"
