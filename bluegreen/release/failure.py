"""What a caught error means for the release: its outcome and a reason a person can read."""

from __future__ import annotations

import json

from bluegreen.errors import (
    ActiveColorError,
    AlarmDuringBakeError,
    AlarmFiringError,
    ApprovalRejectedError,
    PreSwitchCheckError,
    ReleaseInputError,
    ReleaseLockedError,
)
from bluegreen.models import CaughtError, Outcome

REFUSED = {
    error.__name__
    for error in (
        ReleaseInputError,
        ReleaseLockedError,
        ActiveColorError,
        PreSwitchCheckError,
        AlarmFiringError,
    )
}
"""The workflow's error names are the exception class names (a Python Lambda's errorType)."""


def error_reason(error: CaughtError | None) -> str:
    """The error's message: Lambda errors carry JSON {errorMessage, errorType}; rejections a JSON cause."""
    if error is None:
        return "unknown error"
    cause = error.Cause or ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        if "errorMessage" in parsed:
            return str(parsed["errorMessage"])
        if "rejected_by" in parsed:
            reason = parsed.get("reason") or "no reason given"
            return f"rejected by {parsed['rejected_by']} via {parsed.get('via', '?')}: {reason}"
    if error.Error == "States.Timeout":
        return "timed out waiting"
    return f"{error.Error}: {cause}" if cause else error.Error


def cause_outcome(error: CaughtError | None, failed_step: str | None) -> Outcome:
    """What the workflow's path says happened. Only the cause: bluegreen/release/endings.py checks
    it against where traffic is before anything is recorded."""
    name = error.Error if error else ""
    if name == AlarmDuringBakeError.__name__:
        return Outcome.ROLLED_BACK
    if name in REFUSED:
        return Outcome.REFUSED
    if failed_step == "approval":
        if name == ApprovalRejectedError.__name__:
            return Outcome.REJECTED
        if name in ("States.Timeout", "States.HeartbeatTimeout"):
            return Outcome.TIMED_OUT
    return Outcome.FAILED
