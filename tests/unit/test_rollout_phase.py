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
