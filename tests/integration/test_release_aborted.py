"""A release stopped from outside (StopExecution) runs no state of its own: the ExecutionEnded
handler, fed by EventBridge, releases the lock, closes the approval and completes the record."""

from __future__ import annotations

from tests.integration.release_world import release_world


def test_stopped_release_is_recorded_and_its_lock_released() -> None:
    with release_world() as world:
        # Given a release waiting for approval
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci"})
        release_id = arn.rsplit(":", 1)[-1]
        approval_id = world.workflow.wait_for_approval_request(release_id)
        pending = world.workflow.runtime.releases.get_approval(approval_id)
        assert pending is not None
        token = pending.task_token
        # When an operator stops it and EventBridge reports the status change
        world.workflow.aws.sfn.stop_execution(executionArn=arn, error="Operator", cause="wrong version")
        event = {
            "detail-type": "Step Functions Execution Status Change",
            "detail": {"executionArn": arn, "status": "ABORTED"},
        }
        assert world.workflow.call_handler("ExecutionEnded", event) == {"recorded": "aborted"}
        # Then the lock is free, traffic untouched, the approval (and its token) gone, the record complete
        assert world.lock_holder() is None
        assert world.active_color() == "blue"
        assert world.workflow.runtime.releases.get_approval(approval_id) is None
        record = world.workflow.record(release_id)
        assert record["outcome"] == "aborted"
        assert record["approval"]["status"] == "aborted"
        # a second delivery of the same event changes nothing
        assert world.workflow.call_handler("ExecutionEnded", event) == {"recorded": None}
        # (moto keeps a stopped execution blocked on its token: release it so the test ends cleanly)
        world.workflow.aws.sfn.send_task_failure(taskToken=token, error="TestTeardown")


def test_an_execution_that_recorded_its_own_end_is_left_alone() -> None:
    with release_world() as world:
        release_id, execution = world.release("v2")
        arn = execution["executionArn"]
        event = {"detail": {"executionArn": arn, "status": "SUCCEEDED"}}
        assert world.workflow.call_handler("ExecutionEnded", event) == {"recorded": None}
        event = {"detail": {"executionArn": arn, "status": "FAILED"}}
        assert world.workflow.call_handler("ExecutionEnded", event) == {"recorded": None}
        assert world.workflow.record(release_id)["outcome"] == "succeeded"
