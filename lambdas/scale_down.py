"""ScaleDown: on a schedule, scale the old colour to 0 once the rollback window has closed."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.release.scale_down import scale_down_after_window
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


@logger.inject_lambda_context(log_event=False)
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    result = scale_down_after_window(runtime.get(rt))
    logger.info("scale-down check", extra={"status": result.status.value, "reason": result.message})
    return result.model_dump(mode="json")
