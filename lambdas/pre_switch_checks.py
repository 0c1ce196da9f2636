"""PreSwitchChecks: no alarm firing, idle unchanged and healthy, nobody switched meanwhile."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.models import DeployResult, ReleaseContext
from bluegreen.release.pre_switch import pre_switch_checks
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release: ReleaseContext
    deploy: DeployResult


@logger.inject_lambda_context
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    parsed = Event.model_validate(event)
    pre_switch_checks(parsed.release, parsed.deploy, runtime.get(rt))
    return {"passed": True}
