"""Finish: release the lock, record success, notify."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.models import ReleaseContext, SwitchResult
from bluegreen.release.finish import finish
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release: ReleaseContext
    switch: SwitchResult


@logger.inject_lambda_context
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    parsed = Event.model_validate(event)
    return finish(parsed.release, parsed.switch, runtime.get(rt)).model_dump(mode="json")
