"""The console door: a decision counts as "console" only when it comes from the decision workflow's
own execution, which Step Functions proves (DescribeExecution), not a field anyone can write.

The decision workflow has a fixed name per app environment (`bluegreen-<app>-<env>-decision`), so
DecideApproval knows its ARN from its own ARN (same partition, region and account) without an
environment variable that would make the function and the state machine depend on each other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from bluegreen.config import AppConfig
from bluegreen.errors import ApprovalDecisionError
from bluegreen.release.identity import Identity, console_identity

_FUNCTION_ARN = re.compile(r"^arn:(?P<p>[^:]+):lambda:(?P<region>[^:]+):(?P<account>\d{12}):function:")


def decision_state_machine_name(app: str, environment: str) -> str:
    return f"bluegreen-{app}-{environment}-decision"


def decision_state_machine_arn(config: AppConfig, function_arn: str) -> str:
    match = _FUNCTION_ARN.match(function_arn)
    if not match:
        raise ApprovalDecisionError(f"cannot tell the region and account from {function_arn!r}")
    name = decision_state_machine_name(config.app, config.environment)
    return f"arn:{match['p']}:states:{match['region']}:{match['account']}:stateMachine:{name}"


class ConsoleEvent(BaseModel):
    """What the decision workflow's Task passes: its execution input and its own execution ARN."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    input: dict[str, Any]
    execution: str
    started_at: str | None = None


def prove_console(
    event: ConsoleEvent, config: AppConfig, describe: Callable[[str], dict[str, Any]], function_arn: str
) -> Identity:
    """The console identity, if Step Functions says `event.execution` is a running execution of
    the decision workflow with exactly this input; else ApprovalDecisionError."""
    machine = decision_state_machine_arn(config, function_arn)
    refusal = ApprovalDecisionError(
        "not a decision-workflow execution: only the decision workflow itself can decide as the console"
    )
    executions = machine.replace(":stateMachine:", ":execution:", 1) + ":"
    if not event.execution.startswith(executions) or ":" in event.execution[len(executions) :]:
        raise refusal  # not one of its executions: nothing to ask Step Functions (the role may not)
    try:
        described = describe(event.execution)
    except (ClientError, LookupError) as exc:
        raise refusal from exc
    if described.get("stateMachineArn") != machine or described.get("status") != "RUNNING":
        raise refusal
    try:
        started_with = json.loads(described.get("input") or "null")
    except ValueError as exc:
        raise refusal from exc
    if started_with != event.input:
        raise refusal
    return console_identity(event.execution, machine)
