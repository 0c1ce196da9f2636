"""RequestApproval (.waitForTaskToken): park the token behind an opaque approval id and ask people.

The event carries the task token: it is never logged (no log_event, no event in any log line).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.models import ReleaseContext, SmokeResult
from bluegreen.release.approval import request_approval
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release: ReleaseContext
    smoke: SmokeResult | None = None
    task_token: str = Field(min_length=1, repr=False)


@logger.inject_lambda_context(log_event=False)
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    parsed = Event.model_validate(event)
    approval_id = request_approval(parsed.release, parsed.task_token, parsed.smoke, runtime.get(rt))
    return {"approval_id": approval_id}
