"""ExecutionEnded: EventBridge "Step Functions Execution Status Change" -> lock released, record completed."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.release.ended import ExecutionStatusChange, execution_ended
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    detail: ExecutionStatusChange


@logger.inject_lambda_context(log_event=False)
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    detail = Event.model_validate(event).detail
    outcome = execution_ended(detail, runtime.get(rt))
    logger.info("execution ended", extra={"execution_arn": detail.executionArn, "recorded": outcome})
    return {"recorded": outcome}
