"""SmokeTests: through the preprod host, which points at the idle colour."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.models import ReleaseContext
from bluegreen.release.smoke import run_smoke_tests
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release: ReleaseContext


@logger.inject_lambda_context
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    release = Event.model_validate(event).release
    return run_smoke_tests(release, runtime.get(rt)).model_dump(mode="json")
