"""Step Functions as the release domain needs it: is an execution still running, what ended it, and
resolving a pending approval's task token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bluegreen.errors import ApprovalDecisionError

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

TOKEN_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class StepFunctionsExecutions:
    def __init__(self, sfn: SFNClient) -> None:
        self._sfn = sfn

    def status(self, execution_arn: str) -> str | None:
        try:
            return str(self._sfn.describe_execution(executionArn=execution_arn)["status"])
        except ClientError as exc:
            if _code(exc) == "ExecutionDoesNotExist":
                return None
            raise

    def describe(self, execution_arn: str) -> dict[str, Any]:
        return dict(self._sfn.describe_execution(executionArn=execution_arn))

    def send_task_success(self, task_token: str, output: str) -> None:
        try:
            self._sfn.send_task_success(taskToken=task_token, output=output)
        except ClientError as exc:
            self._gone(exc)

    def send_task_failure(self, task_token: str, error: str, cause: str) -> None:
        try:
            self._sfn.send_task_failure(taskToken=task_token, error=error, cause=cause)
        except ClientError as exc:
            self._gone(exc)

    @staticmethod
    def _gone(exc: ClientError) -> None:
        if _code(exc) in TOKEN_GONE:
            raise ApprovalDecisionError("the release is no longer waiting for approval (it ended)") from exc
        raise exc
