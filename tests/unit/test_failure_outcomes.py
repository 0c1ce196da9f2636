from __future__ import annotations

import json

import pytest

from bluegreen.models import CaughtError, Outcome
from bluegreen.release.failure import cause_outcome, error_reason


def lambda_error(name: str, message: str) -> CaughtError:
    return CaughtError(Error=name, Cause=json.dumps({"errorType": name, "errorMessage": message}))


@pytest.mark.parametrize(
    ("error", "step", "outcome"),
    [
        ("ReleaseInputError", None, Outcome.REFUSED),
        ("ReleaseLockedError", None, Outcome.REFUSED),
        ("AlarmFiringError", None, Outcome.REFUSED),
        ("PreSwitchCheckError", None, Outcome.REFUSED),
        ("RolloutFailedError", None, Outcome.FAILED),
        ("SmokeTestsFailedError", None, Outcome.FAILED),
        ("ApprovalRejectedError", "approval", Outcome.REJECTED),
        ("States.Timeout", "approval", Outcome.TIMED_OUT),
        ("States.Timeout", None, Outcome.FAILED),  # a timeout elsewhere is a failure, not "nobody approved"
        ("AlarmDuringBakeError", None, Outcome.ROLLED_BACK),
        ("GatewaysNotConfirmedError", None, Outcome.FAILED),
    ],
)
def test_what_the_path_says_of_each_ending(error: str, step: str | None, outcome: Outcome) -> None:
    assert cause_outcome(CaughtError(Error=error), step) is outcome


def test_reason_is_the_lambda_error_message() -> None:
    assert error_reason(lambda_error("RolloutFailedError", "rollout of payment failed: x")) == (
        "rollout of payment failed: x"
    )


def test_reason_of_a_rejection_names_who_and_why() -> None:
    cause = json.dumps({"rejected_by": "U1", "via": "slack", "reason": "not today"})
    assert (
        error_reason(CaughtError(Error="ApprovalRejectedError", Cause=cause))
        == "rejected by U1 via slack: not today"
    )
