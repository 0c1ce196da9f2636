"""The workflow's data contract: what each step reads from and writes to the execution state.

Each Task in statemachines/release.asl.json passes an explicit `Parameters` object to its Lambda
and stores the result at its own `ResultPath`. The models here are those inputs and outputs, so a
renamed field breaks a unit test (tests/unit/test_asl_contract.py), not a release.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bluegreen.colors import Color


class Contract(BaseModel):
    """Step data: unknown keys are ignored (the state grows as the workflow runs), types are checked."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class ServicePlan(Contract):
    """One service of the release. `image` None means: run what the active colour runs."""

    name: str
    deployment: str
    container: str
    image: str | None = None


class Waits(Contract):
    """Intervals the workflow's Wait states read through SecondsPath."""

    rollout_poll_seconds: int
    gateway_poll_seconds: int
    bake_check_seconds: int
    approval_timeout_seconds: int


class ReleaseContext(Contract):
    """Prepare's output at `$.release`: everything later steps need to know about the release."""

    release_id: str
    execution_arn: str
    app: str
    environment: str
    version: str
    triggered_by: str
    change_ref: str | None = None
    commit_time: datetime | None = None
    manifests: str | None = None
    active_color: Color
    idle_color: Color
    active_namespace: str
    idle_namespace: str
    parameter_name: str
    parameter_version: int
    services: list[ServicePlan]
    waits: Waits
    started_at: datetime


class DeployedService(Contract):
    name: str
    deployment: str
    image: str
    images: dict[str, str] = Field(description="container name -> image, as deployed in the idle namespace")
    replicas: int
    generation: int
    changed: bool


class DeployResult(Contract):
    """DeployToIdle's output at `$.deploy`."""

    services: list[DeployedService]
    deployed_at: datetime
    rollout_deadline: datetime


class RolloutStatus(Contract):
    """CheckRollout's output at `$.rollout`."""

    done: bool
    pending: list[str] = Field(default_factory=list)
    checked_at: datetime


class SmokeResult(Contract):
    """SmokeTests' output at `$.smoke` (a failing run raises SmokeTestsFailedError instead)."""

    passed: bool
    summary: str


class ApprovalGranted(Contract):
    """What the decide handler sends with SendTaskSuccess; lands at `$.approval`."""

    approval_id: str
    approved_by: list[str]
    via: list[str]
    decided_at: datetime


class SwitchResult(Contract):
    """Switch's output at `$.switch`."""

    previous_color: Color
    new_color: Color
    parameter_version: int
    switched_at: datetime


class GatewayView(Contract):
    gateway_id: str
    color: str | None = None
    parameter_version: int | None = None
    live: bool
    error: str | None = None


class ConfirmResult(Contract):
    """ConfirmGateways' output at `$.gateways` (or `$.rollback_gateways`)."""

    confirmed: bool
    timed_out: bool = False
    confirmed_at: datetime | None = None
    gateways: list[GatewayView] = Field(default_factory=list)


class BakeStatus(Contract):
    """CheckBake's output at `$.bake`."""

    done: bool
    bake_until: datetime
    alarms: dict[str, str] = Field(default_factory=dict)


class RollbackResult(Contract):
    """Rollback's output at `$.rollback`."""

    color: Color
    parameter_version: int
    switched_at: datetime
    reason: str
    flipped: bool


FINISH_NOT_RECORDED = "FinishNotRecorded"
"""The Fail state (and its Error) when Finish could not record a release that baked."""
FAILURE_NOT_RECORDED = "FailureNotRecorded"
"""The Fail state (and its Error) when RecordFailure itself failed."""

EXIT_STILL_RUNNING = 4
"""`bluegreen release start --wait` / `watch`: the release had not ended when --timeout passed."""


class Outcome(StrEnum):
    """How a release ended. Derived from where traffic is (the parameter and the gateways'
    acknowledgements), never from what was intended (bluegreen/release/endings.py)."""

    SUCCEEDED = "succeeded"
    REFUSED = "refused"
    FAILED = "failed"
    REJECTED = "rejected"
    TIMED_OUT = "timed_out"
    ROLLED_BACK = "rolled_back"
    ROLLBACK_FAILED = "rollback_failed"
    """The release had to be undone and was not: traffic is (or may be) still on the new colour."""
    ABORTED = "aborted"

    @property
    def exit_code(self) -> int:
        """The exit code of `bluegreen release start --wait` and `watch` for this ending."""
        return _EXIT_CODES[self]

    @property
    def fail_state(self) -> tuple[str, str] | None:
        """(state name, Error) of the workflow's Fail state for this ending; None when the workflow
        succeeds or never records it itself."""
        return _FAIL_STATES.get(self)

    @classmethod
    def parse(cls, value: object) -> Outcome | None:
        return next((o for o in cls if o.value == value), None)

    @classmethod
    def from_fail_error(cls, error: object) -> Outcome | None:
        return next((o for o, (_, name) in _FAIL_STATES.items() if name == error), None)


_EXIT_CODES = {
    Outcome.SUCCEEDED: 0,
    Outcome.REFUSED: 1,
    Outcome.FAILED: 1,
    Outcome.ABORTED: 1,
    Outcome.REJECTED: 2,
    Outcome.TIMED_OUT: 2,
    Outcome.ROLLED_BACK: 3,
    Outcome.ROLLBACK_FAILED: 5,
}
_FAIL_STATES = {
    Outcome.REFUSED: ("Refused", "ReleaseRefused"),
    Outcome.REJECTED: ("Rejected", "ReleaseRejected"),
    Outcome.TIMED_OUT: ("ApprovalTimedOut", "ApprovalTimedOut"),
    Outcome.ROLLED_BACK: ("RolledBack", "ReleaseRolledBack"),
    Outcome.ROLLBACK_FAILED: ("RollbackFailed", "ReleaseRollbackFailed"),
    Outcome.FAILED: ("Failed", "ReleaseFailed"),
}


class FinishResult(Contract):
    """Finish's and RecordFailure's output at `$.outcome`; the final Choice reads `outcome`."""

    release_id: str
    outcome: Outcome
    reason: str | None = None
    active_color: Color | None = None


class CaughtError(Contract):
    """A Catch's `$.error`: Step Functions' {Error, Cause}."""

    Error: str
    Cause: str | None = None


def release_id_of(execution_arn: str) -> str:
    """The execution's name: unique per state machine, readable, and what operators type."""
    return execution_arn.rsplit(":", 1)[-1]


def to_jsonable(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
