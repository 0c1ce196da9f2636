from __future__ import annotations

from typing import Any

from bluegreen.release.rollout import Phase, rollout_phase


def deployment(generation: int = 2, desired: int = 3, **status: Any) -> dict[str, Any]:
    return {"metadata": {"generation": generation}, "spec": {"replicas": desired}, "status": status}


def test_complete_when_latest_generation_is_updated_and_available() -> None:
    d = deployment(observedGeneration=2, replicas=3, updatedReplicas=3, availableReplicas=3)
    assert rollout_phase(d)[0] is Phase.COMPLETE


def test_not_complete_until_the_controller_observed_the_new_generation() -> None:
    # the status still describes the previous spec, which was complete
    d = deployment(observedGeneration=1, replicas=3, updatedReplicas=3, availableReplicas=3)
    phase, reason = rollout_phase(d)
    assert phase is Phase.PROGRESSING
    assert "generation 2" in reason


def test_old_replicas_still_running_keep_it_progressing() -> None:
    d = deployment(observedGeneration=2, replicas=4, updatedReplicas=3, availableReplicas=3)
    assert rollout_phase(d) == (Phase.PROGRESSING, "1 old replica(s) pending termination")


def test_updated_but_unavailable_keeps_it_progressing() -> None:
    d = deployment(observedGeneration=2, replicas=3, updatedReplicas=3, availableReplicas=1)
    assert rollout_phase(d)[0] is Phase.PROGRESSING


def test_progress_deadline_exceeded_fails_fast_with_the_message() -> None:
    d = deployment(
        observedGeneration=2,
        updatedReplicas=1,
        conditions=[
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "payment-5d4" has timed out progressing.',
            }
        ],
    )
    phase, reason = rollout_phase(d)
    assert phase is Phase.FAILED
    assert 'ReplicaSet "payment-5d4" has timed out progressing.' in reason


def stale_deadline_exceeded(generation: int, observed: int) -> dict[str, Any]:
    """The status the previous release left: its rollout passed the progress deadline."""
    return deployment(
        generation=generation,
        observedGeneration=observed,
        replicas=4,
        updatedReplicas=1,
        availableReplicas=3,
        conditions=[
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "payment-5d4" has timed out progressing.',
            }
        ],
    )


def test_a_deadline_exceeded_before_the_controller_saw_the_new_spec_is_not_a_failure() -> None:
    # Given a new spec (generation 3) the controller has not observed, over the previous stall
    d = stale_deadline_exceeded(generation=3, observed=2)
    # When
    phase, reason = rollout_phase(d)
    # Then: like kubectl rollout status, wait for the controller instead of failing
    assert phase is Phase.PROGRESSING
    assert "observe generation 3" in reason


def test_a_deadline_exceeded_at_the_observed_generation_fails() -> None:
    assert rollout_phase(stale_deadline_exceeded(generation=3, observed=3))[0] is Phase.FAILED


def test_a_replica_set_that_cannot_create_pods_says_why() -> None:
    # Given a ReplicaSet refused by admission (the pods' ServiceAccount is missing)
    d = deployment(
        observedGeneration=2,
        replicas=0,
        updatedReplicas=0,
        conditions=[
            {
                "type": "ReplicaFailure",
                "status": "True",
                "reason": "FailedCreate",
                "message": 'serviceaccount "payment" not found',
            }
        ],
    )
    # When
    phase, reason = rollout_phase(d)
    # Then
    assert phase is Phase.PROGRESSING
    assert reason == '0 of 3 replicas updated (FailedCreate: serviceaccount "payment" not found)'
