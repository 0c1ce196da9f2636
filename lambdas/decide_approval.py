"""DecideApproval: an approver's decision, from the CLI or the console, sent to the waiting workflow."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from bluegreen.lambda_support import RuntimeHolder, logger
from bluegreen.release.approval import Decision, Verdict, decide
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release_id: str = Field(min_length=1)
    decision: Verdict
    approver: str = Field(min_length=1)
    via: str = "cli"
    reason: str | None = None


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    parsed = Event.model_validate(event)
    outcome = decide(
        Decision(parsed.release_id, parsed.decision, parsed.approver, parsed.via, parsed.reason),
        runtime.get(rt),
    )
    logger.info(outcome.message, extra={"release_id": parsed.release_id, "status": outcome.status})
    return {"status": outcome.status, "message": outcome.message}
