"""CheckRollout: one poll of the idle Deployments."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.models import DeployResult, ReleaseContext
from bluegreen.release.check_rollout import check_rollout
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release: ReleaseContext
    deploy: DeployResult


@logger.inject_lambda_context
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    parsed = Event.model_validate(event)
    return check_rollout(parsed.release, parsed.deploy, runtime.get(rt)).model_dump(mode="json")
