"""SampleTraffic: every minute, the live colour and each gateway's heartbeat as metrics (EMF)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.metrics.traffic_sample import sample_traffic
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


@logger.inject_lambda_context(log_event=False)
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    sample = sample_traffic(runtime.get(rt))
    if sample.silent or sample.lagging:
        logger.warning("gateways not following", extra={"silent": sample.silent, "lagging": sample.lagging})
    return {
        "color": sample.color.value,
        "parameter_version": sample.parameter_version,
        "live": sample.live,
        "lagging": sample.lagging,
        "silent": sample.silent,
    }
