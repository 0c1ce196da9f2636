"""Domain errors.

A Python Lambda's error type is its exception class name, and these names are the release
workflow's `Retry`/`Catch` `ErrorEquals` contract (statemachines/release.asl.json): rename one
and the workflow breaks, which tests/unit/test_asl_contract.py catches.
"""

from __future__ import annotations

from collections.abc import Sequence


class BlueGreenError(Exception):
    """Base class: every error here carries data, not only text."""


class ConfigError(BlueGreenError):
    """The app config is invalid. Names the file and every bad field."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  {field}: {message}" for field, message in self.problems)
        super().__init__(f"invalid config {source}:\n{lines}")


class SettingsError(BlueGreenError):
    """A Lambda's environment is missing or has a bad variable."""


class ReleaseInputError(BlueGreenError):
    """The execution input is invalid; raised in Prepare before anything touches the cluster."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        text = "; ".join(f"{field}: {message}" for field, message in self.problems)
        super().__init__(f"invalid release input: {text}")


class ReleaseLockedError(BlueGreenError):
    """Another release of the same app/env is running."""

    def __init__(self, app: str, environment: str, holder: str) -> None:
        self.holder = holder
        super().__init__(f"release of {app}/{environment} refused: execution {holder} is still running")


class ActiveColorError(BlueGreenError):
    """The active-colour parameter is missing or holds something other than blue/green."""


class DeployError(BlueGreenError):
    """Deploying a service to the idle namespace failed."""

    def __init__(self, failures: dict[str, str]) -> None:
        self.failures = dict(failures)
        text = "; ".join(f"{svc}: {reason}" for svc, reason in sorted(self.failures.items()))
        super().__init__(f"deploy to idle namespace failed: {text}")


class RolloutFailedError(BlueGreenError):
    """A Deployment in the idle namespace did not become ready (deadline or ProgressDeadlineExceeded)."""

    def __init__(self, service: str, reason: str) -> None:
        self.service = service
        self.reason = reason
        super().__init__(f"rollout of {service} failed: {reason}")


class SmokeTestsFailedError(BlueGreenError):
    """The smoke tests through the preprod host failed."""


class ApprovalRejectedError(BlueGreenError):
    """An approver rejected the release (sent as the task failure's error name)."""


class ApprovalDecisionError(BlueGreenError):
    """A decision could not be taken: unknown approval, approver not allowed, already decided."""


class PreSwitchCheckError(BlueGreenError):
    """A check right before the switch refused it."""


class GatewaysNotConfirmedError(BlueGreenError):
    """Not every live gateway acknowledged the new parameter version in time."""


class AlarmDuringBakeError(BlueGreenError):
    """A watched alarm went to ALARM while the release was baking."""


class RollbackError(BlueGreenError):
    """A rollback could not be carried out."""


class DependencyFailure(BlueGreenError):
    """An AWS or Kubernetes call failed. Carries what failed (an AWS operation, Kubernetes, the
    network), the error code and the HTTP status."""

    def __init__(self, source: str, code: str, message: str, status: int | None = None) -> None:
        self.source = source
        self.code = code
        self.status = status
        super().__init__(f"{source} {code}: {message}" if message else f"{source} {code}")


class TransientError(DependencyFailure):
    """A dependency failed in a way worth retrying (throttling, 5xx, connection reset): the workflow
    retries exactly this name, with backoff and jitter."""


class DependencyError(DependencyFailure):
    """A dependency refused in a way a retry cannot fix (access denied, not found, invalid)."""


class ReleaseRecordMissingError(BlueGreenError):
    """The release record vanished during the release (deleted from outside)."""

    def __init__(self, release_id: str) -> None:
        self.release_id = release_id
        super().__init__(f"the record of release {release_id} does not exist (deleted during the release?)")


class RecordWriteConflictError(BlueGreenError):
    """A conditional write to a release record kept failing: it is changing under us."""

    def __init__(self, release_id: str, attempts: int) -> None:
        self.release_id = release_id
        self.attempts = attempts
        super().__init__(f"could not update the record of release {release_id} after {attempts} attempts")


class AlarmFiringError(BlueGreenError):
    """A watched alarm is in ALARM (or missing) when the release starts: refused before any change."""

    def __init__(self, alarms: dict[str, str]) -> None:
        self.alarms = dict(alarms)
        text = ", ".join(f"{name} is {state}" for name, state in sorted(self.alarms.items()))
        super().__init__(f"release refused: {text}")


def workflow_error_names() -> set[str]:
    """Every error name the workflow may match on, for the contract test."""
    names: set[str] = set()
    pending: list[type[BaseException]] = [BlueGreenError]
    while pending:
        for cls in pending.pop().__subclasses__():
            names.add(cls.__name__)
            pending.append(cls)
    return names
