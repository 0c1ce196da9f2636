"""ConfirmGateways: have all live gateways applied the parameter version? (after a switch or a rollback)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.colors import Color
from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.release.confirm import OnTimeout, confirm_gateways
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release_id: str
    target_color: Color
    parameter_version: int
    since: datetime
    on_timeout: OnTimeout


@logger.inject_lambda_context
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    e = Event.model_validate(event)
    result = confirm_gateways(
        e.release_id, e.target_color, e.parameter_version, e.since, e.on_timeout, runtime.get(rt)
    )
    return result.model_dump(mode="json")
