"""How a release ended, as the CLI reports it: the execution's status, the record's outcome and
the exit code a pipeline branches on (`bluegreen release start --wait`, `watch`):

  0  succeeded: switched and baked          3  rolled back after an alarm (traffic confirmed back)
  1  failed, refused, stopped or unknown    4  still running when --timeout passed
  2  rejected, or the approval timed out    5  ROLLBACK FAILED: traffic is not confirmed back, act now
  64 usage error (bluegreen.cli.main), nothing started

The codes come from bluegreen.models.Outcome: one table for the CLI, the workflow and the docs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from bluegreen.adapters.release_store import ReleaseStore
from bluegreen.cli.context import CliContext, CliError
from bluegreen.models import EXIT_STILL_RUNNING, FINISH_NOT_RECORDED, Outcome, release_id_of

EXIT_SUCCEEDED = Outcome.SUCCEEDED.exit_code
EXIT_FAILED = Outcome.FAILED.exit_code
EXIT_REJECTED = Outcome.REJECTED.exit_code
EXIT_ROLLED_BACK = Outcome.ROLLED_BACK.exit_code
EXIT_ROLLBACK_FAILED = Outcome.ROLLBACK_FAILED.exit_code
__all__ = [
    "EXIT_FAILED",
    "EXIT_REJECTED",
    "EXIT_ROLLBACK_FAILED",
    "EXIT_ROLLED_BACK",
    "EXIT_STILL_RUNNING",
    "EXIT_SUCCEEDED",
    "Ending",
    "Releases",
]
RECORD_SETTLE_SECONDS = 30.0
"""An execution that ended without recording (stopped, or a recording step failed) is completed by
the ExecutionEnded function within seconds of its end: `--wait` waits this long for that record."""


@dataclass
class Ending:
    """How a finished (or still running) execution ended, for people and for exit codes."""

    release_id: str
    execution_arn: str
    status: str
    outcome: str | None
    error: str | None
    reason: str | None
    exit_code: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Releases:
    """Reads a release's execution and record through the CLI context."""

    def __init__(self, obj: CliContext) -> None:
        self.obj = obj
        self.sfn = obj.client("stepfunctions")
        self.store = ReleaseStore(obj.table(obj.resource("releases_table")))

    def state_machine_arn(self) -> str:
        return self.obj.resource("state_machine_arn")

    def execution_arn(self, release: str) -> str:
        """A release id (the execution name) or an execution ARN -> the execution ARN."""
        if release.startswith("arn:"):
            return release
        record = self.store.get_record(release) or {}
        if record.get("execution_arn"):
            return str(record["execution_arn"])
        prefix, _, name = self.state_machine_arn().partition(":stateMachine:")
        return f"{prefix}:execution:{name}:{release}"

    def record(self, release_id: str) -> dict[str, Any]:
        return self.store.get_record(release_id) or {}

    def describe(self, execution_arn: str) -> dict[str, Any]:
        try:
            return dict(self.sfn.describe_execution(executionArn=execution_arn))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
                raise CliError(f"no release {execution_arn.rsplit(':', 1)[-1]}") from exc
            raise

    def current_state(self, execution_arn: str) -> tuple[str, datetime] | None:
        """The state the execution entered last and when (from its history)."""
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        last: tuple[str, datetime] | None = None
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            for event in page.get("events", []):
                if event["type"].endswith("StateEntered"):
                    last = str(event["stateEnteredEventDetails"]["name"]), event["timestamp"]
            if not page.get("nextToken"):
                return last
            kwargs["nextToken"] = page["nextToken"]

    def ending(
        self, execution_arn: str, execution: dict[str, Any] | None = None, settle_seconds: float = 0.0
    ) -> Ending:
        execution = execution or self.describe(execution_arn)
        release_id = release_id_of(execution_arn)
        status = str(execution["status"])
        record = self.record(release_id)
        deadline = time.monotonic() + settle_seconds
        while (
            status not in ("SUCCEEDED", "RUNNING")
            and not record.get("outcome")
            and time.monotonic() < deadline
        ):
            time.sleep(min(1.0, settle_seconds))
            record = self.record(release_id)
        outcome = Outcome.parse(record.get("outcome"))
        error = execution.get("error")
        reason = record.get("reason") or (record.get("rollback") or {}).get("reason")
        if status == "SUCCEEDED":
            code = EXIT_SUCCEEDED
        elif status == "RUNNING":
            code = EXIT_STILL_RUNNING
        elif (ended := Outcome.from_fail_error(error)) is not None:
            code = ended.exit_code  # the workflow's own Fail state, chosen from the recorded outcome
        elif outcome is Outcome.SUCCEEDED and error != FINISH_NOT_RECORDED:
            code = EXIT_FAILED  # a failed execution is never a success, except one that baked and
            # whose record ExecutionEnded completed from the parameter and the gateways
        elif outcome is not None:
            code = outcome.exit_code  # stopped, or completed by ExecutionEnded from the facts
        else:
            code = EXIT_FAILED
        if status not in ("SUCCEEDED", "RUNNING") and not reason:
            reason = execution.get("cause") or f"the execution ended {status}"
        return Ending(release_id, execution_arn, status, record.get("outcome"), error, reason, code)
