"""Rollback: the parameter back to the colour that was live before the release."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.models import CaughtError, ReleaseContext
from bluegreen.release.rollback import rollback
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release: ReleaseContext
    error: CaughtError | None = None


@logger.inject_lambda_context
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    parsed = Event.model_validate(event)
    return rollback(parsed.release, parsed.error, runtime.get(rt)).model_dump(mode="json")
