"""DecideApproval: an approver's decision from the CLI or the AWS console, sent to the waiting workflow.

Three ways in, one decision path (`approval.decide`):
- Function URL (AuthType AWS_IAM), used by `bluegreen approve/reject`: the approver is the
  SigV4-verified caller AWS puts in `requestContext.authorizer.iam.userArn`; the body only says
  which release, which decision and why.
- The console decision workflow: `{"console": {"input": <execution input>, "execution": <ARN>}}`.
  Step Functions does not pass the starting principal; the record says `via: console` and the
  execution ARN, and CloudTrail's StartExecution event names the principal (docs/operations.md).
- A direct invocation `{release_id, decision, approver, via, reason}` (tests, break-glass by
  an administrator who may invoke the function: the approver named is taken as given).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field, ValidationError

from bluegreen.errors import ApprovalDecisionError
from bluegreen.lambda_support import RuntimeHolder, logger
from bluegreen.release.approval import Decision, DecisionOutcome, Verdict, Via, decide
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release_id: str = Field(min_length=1)
    decision: Verdict
    approver: str = Field(min_length=1)
    via: str = "cli"
    reason: str | None = None


class Request(BaseModel):
    """What a person says (CLI body, console execution input); never who they are."""

    release_id: str = Field(min_length=1, max_length=200)
    decision: Verdict
    reason: str | None = Field(default=None, max_length=2000)


def _http(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def _function_url(event: dict[str, Any], rt: Runtime) -> dict[str, Any]:
    caller = ((event.get("requestContext") or {}).get("authorizer") or {}).get("iam") or {}
    identity = caller.get("userArn")
    if not identity:
        return _http(403, {"error": "no IAM identity: the function URL must use AuthType AWS_IAM"})
    raw = str(event.get("body") or "")
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    try:
        request = Request.model_validate_json(raw)
    except ValidationError as exc:
        return _http(400, {"error": f"invalid request: {exc.errors()[0]['msg']}"})
    try:
        outcome = decide(
            Decision(request.release_id, request.decision, str(identity), Via.CLI, request.reason), rt
        )
    except ApprovalDecisionError as exc:
        logger.info("decision refused", extra={"release_id": request.release_id, "refusal": str(exc)})
        return _http(409, {"status": "refused", "message": str(exc), "approver": identity})
    _log(outcome, request.release_id)
    return _http(200, {"status": outcome.status, "message": outcome.message, "approver": identity})


def _console(console: dict[str, Any], rt: Runtime) -> dict[str, Any]:
    request = Request.model_validate(console.get("input") or {})
    execution = str(console.get("execution") or "unknown execution")
    outcome = decide(
        Decision(request.release_id, request.decision, f"console:{execution}", Via.CONSOLE, request.reason),
        rt,
    )
    _log(outcome, request.release_id)
    return {"status": outcome.status, "message": outcome.message}


def _log(outcome: DecisionOutcome, release_id: str) -> None:
    logger.info(outcome.message, extra={"release_id": release_id, "status": outcome.status})


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    runtime_ = runtime.get(rt)
    if "requestContext" in event:
        return _function_url(event, runtime_)
    if isinstance(event.get("console"), dict):
        return _console(event["console"], runtime_)
    parsed = Event.model_validate(event)
    outcome = decide(
        Decision(parsed.release_id, parsed.decision, parsed.approver, parsed.via, parsed.reason), runtime_
    )
    _log(outcome, parsed.release_id)
    return {"status": outcome.status, "message": outcome.message}
