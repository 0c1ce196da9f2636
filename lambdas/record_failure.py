"""RecordFailure: every unsuccessful way out - release the lock, complete the record, notify."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.release.finish import FinalState, record_failure
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    state: FinalState
    execution_arn: str


@logger.inject_lambda_context(log_event=False)
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    parsed = Event.model_validate(event)
    return record_failure(parsed.state, parsed.execution_arn, runtime.get(rt)).model_dump(mode="json")
