"""Prepare: validate the input, read the active colour, take the lock, write the release record."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.release.prepare import prepare
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    input: Any = None
    execution_arn: str


@logger.inject_lambda_context
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    parsed = Event.model_validate(event)
    return prepare(parsed.input, parsed.execution_arn, runtime.get(rt)).model_dump(mode="json")
