"""How an ended execution maps to `release start --wait`'s exit code and reason (no AWS: fakes)."""

from __future__ import annotations

from typing import Any

import pytest

from bluegreen.cli.endings import (
    EXIT_FAILED,
    EXIT_REJECTED,
    EXIT_ROLLBACK_FAILED,
    EXIT_ROLLED_BACK,
    EXIT_STILL_RUNNING,
    EXIT_SUCCEEDED,
    Releases,
)

ARN = "arn:aws:states:us-east-1:123456789012:execution:myapp-prod-release:rel-1"


class FakeStore:
    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def get_record(self, release_id: str) -> dict[str, Any] | None:
        return self.record


def releases(record: dict[str, Any]) -> Releases:
    reader = Releases.__new__(Releases)
    reader.store = FakeStore(record)  # type: ignore[assignment]
    return reader


@pytest.mark.parametrize(
    ("status", "error", "record", "code"),
    [
        ("SUCCEEDED", None, {"outcome": "succeeded"}, EXIT_SUCCEEDED),
        ("FAILED", "ReleaseFailed", {"outcome": "failed", "reason": "rollout"}, EXIT_FAILED),
        ("FAILED", "ReleaseRefused", {"outcome": "refused", "reason": "lock"}, EXIT_FAILED),
        ("FAILED", "ReleaseRejected", {"outcome": "rejected", "reason": "no"}, EXIT_REJECTED),
        ("FAILED", "ApprovalTimedOut", {"outcome": "timed_out", "reason": "late"}, EXIT_REJECTED),
        (
            "FAILED",
            "ReleaseRolledBack",
            {"outcome": "rolled_back", "rollback": {"reason": "5xx"}},
            EXIT_ROLLED_BACK,
        ),
        ("FAILED", "FinishNotRecorded", {}, EXIT_FAILED),
        # ExecutionEnded completed the record from the parameter and the gateways: it baked
        ("FAILED", "FinishNotRecorded", {"outcome": "succeeded", "reason": "live"}, EXIT_SUCCEEDED),
        (
            "FAILED",
            "ReleaseRollbackFailed",
            {"outcome": "rollback_failed", "reason": "x"},
            EXIT_ROLLBACK_FAILED,
        ),
        ("FAILED", "FailureNotRecorded", {"outcome": "rollback_failed", "reason": "x"}, EXIT_ROLLBACK_FAILED),
        ("FAILED", "FailureNotRecorded", {"outcome": "failed", "reason": "x"}, EXIT_FAILED),
        ("ABORTED", None, {"outcome": "aborted", "reason": "stopped"}, EXIT_FAILED),
        ("TIMED_OUT", None, {}, EXIT_FAILED),
        ("FAILED", "Something", {"outcome": "succeeded"}, EXIT_FAILED),  # never 0 unless SUCCEEDED
        ("RUNNING", None, {}, EXIT_STILL_RUNNING),
    ],
)
def test_exit_code_follows_the_fail_state_then_the_record(
    status: str, error: str | None, record: dict[str, Any], code: int
) -> None:
    ending = releases(record).ending(ARN, {"status": status, "error": error, "cause": "see the record"})
    assert ending.exit_code == code
    assert ending.release_id == "rel-1"
    if status not in ("SUCCEEDED", "RUNNING"):
        assert ending.reason  # always a reason to print


def test_rolled_back_reason_comes_from_the_rollback() -> None:
    record = {"outcome": "rolled_back", "rollback": {"reason": "myapp-prod-5xx is ALARM"}}
    ending = releases(record).ending(ARN, {"status": "FAILED", "error": "ReleaseRolledBack"})
    assert ending.reason == "myapp-prod-5xx is ALARM"
