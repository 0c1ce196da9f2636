from __future__ import annotations

import json

import pytest

from bluegreen.models import CaughtError, Outcome
from bluegreen.release.failure import classify, error_reason


def lambda_error(name: str, message: str) -> CaughtError:
    return CaughtError(Error=name, Cause=json.dumps({"errorType": name, "errorMessage": message}))


@pytest.mark.parametrize(
    ("error", "step", "rolled_back", "outcome"),
    [
        ("ReleaseInputError", None, False, Outcome.REFUSED),
        ("ReleaseLockedError", None, False, Outcome.REFUSED),
        ("PreSwitchCheckError", None, False, Outcome.REFUSED),
        ("RolloutFailedError", None, False, Outcome.FAILED),
        ("SmokeTestsFailedError", None, False, Outcome.FAILED),
        ("ApprovalRejectedError", "approval", False, Outcome.REJECTED),
        ("States.Timeout", "approval", False, Outcome.TIMED_OUT),
        (
            "States.Timeout",
            None,
            False,
            Outcome.FAILED,
        ),  # a timeout elsewhere is a failure, not "nobody approved"
        ("AlarmDuringBakeError", None, True, Outcome.ROLLED_BACK),
        ("GatewaysNotConfirmedError", None, True, Outcome.FAILED),
    ],
)
def test_outcome_of_each_ending(error: str, step: str | None, rolled_back: bool, outcome: Outcome) -> None:
    assert classify(CaughtError(Error=error), step, rolled_back) is outcome


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
