"""The rollout check judges as `kubectl rollout status` does, against a cluster whose deployment
controller writes the status a moment after the spec changed (the fake's lag, counted in reads)."""

from __future__ import annotations

from tests.integration.release_world import APPROVER, REPO, release_world


def test_a_stale_progress_deadline_from_the_previous_release_does_not_fail_the_next() -> None:
    with release_world() as world:
        # Given the previous release left payment in green past its progress deadline
        world.kube.stall_rollout("green", "payment")
        # When v2 is released (the controller catches up one read after Deploy's write)
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci-pipeline"})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        # Then the first check saw the old condition and waited, as kubectl would; the rollout completed
        checks = [i for i in world.workflow.aws.invocations if i.function == "CheckRollout"]
        assert len(checks) >= 2
        assert all(check.error is None for check in checks)
        world.workflow.decide(release_id, "approve", APPROVER)
        execution = world.workflow.wait_for_end(arn)
        assert execution["status"] == "SUCCEEDED", world.workflow.record(release_id)
        assert world.image("green", "payment") == f"{REPO}/payment:v2"
