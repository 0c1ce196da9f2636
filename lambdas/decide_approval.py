"""DecideApproval: an approver's decision from the CLI or the AWS console, sent to the waiting workflow.

Three ways in, one decision path (`approval.decide`); the door is told by AWS, never by a field:
- Function URL (AuthType AWS_IAM), used by `bluegreen approve/reject`: the approver is the
  SigV4-verified caller AWS puts in `requestContext.authorizer.iam.userArn`; the body only says
  which release, which decision and why.
- The console decision workflow: `{"console": {"input": <execution input>, "execution": <ARN>}}`,
  counted as the console only when Step Functions confirms that execution (`console.prove_console`).
  The console can reject, not approve: it cannot tell who started the execution.
- Any other direct invocation `{release_id, decision, approver, reason}` is **break-glass**: the
  approver named is a claim, recorded as such with the invocation's request id (CloudTrail's
  Lambda data events, where enabled, name the invoking principal), and it passes the same
  allow-list and rules as every other door. A `via` in the event is ignored.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bluegreen.adapters.function_url import HttpResponse, iam_caller, request_text
from bluegreen.errors import ApprovalDecisionError
from bluegreen.lambda_support import RuntimeHolder, logger
from bluegreen.release.approval import Decision, DecisionOutcome, Verdict, decide
from bluegreen.release.console import ConsoleEvent, prove_console
from bluegreen.release.identity import People, break_glass_identity, cli_identity
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Request(BaseModel):
    """What a person says (CLI body, console execution input); never who they are."""

    model_config = ConfigDict(extra="ignore")

    release_id: str = Field(min_length=1, max_length=200)
    decision: Verdict
    reason: str | None = Field(default=None, max_length=2000)


class BreakGlassEvent(Request):
    approver: str = Field(min_length=1, max_length=2048)


def _http(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return HttpResponse(status, body).as_lambda()


def _function_url(event: dict[str, Any], rt: Runtime) -> dict[str, Any]:
    identity = iam_caller(event)
    if identity is None:
        return _http(403, {"error": "no IAM identity: the function URL must use AuthType AWS_IAM"})
    raw = request_text(event)
    if raw is None:
        return _http(400, {"error": "invalid request: the body cannot be decoded"})
    try:
        request = Request.model_validate_json(raw)
    except ValidationError as exc:
        return _http(400, {"error": f"invalid request: {exc.errors()[0]['msg']}"})
    who = cli_identity(identity, People(rt.config.approvals.identities))
    try:
        outcome = decide(Decision(request.release_id, request.decision, who, request.reason), rt)
    except ApprovalDecisionError as exc:
        logger.info("decision refused", extra={"release_id": request.release_id, "refusal": str(exc)})
        return _http(409, {"status": "refused", "message": str(exc), "approver": identity})
    _log(outcome, request.release_id)
    return _http(200, {"status": outcome.status, "message": outcome.message, "approver": identity})


def _console(raw: Any, rt: Runtime, context: LambdaContext) -> dict[str, Any]:
    console = ConsoleEvent.model_validate(raw)
    request = Request.model_validate(console.input)
    who = prove_console(console, rt.config, rt.steps().describe, context.invoked_function_arn)
    outcome = decide(Decision(request.release_id, request.decision, who, request.reason), rt)
    _log(outcome, request.release_id)
    return {"status": outcome.status, "message": outcome.message}


def _break_glass(event: dict[str, Any], rt: Runtime, context: LambdaContext) -> dict[str, Any]:
    parsed = BreakGlassEvent.model_validate(event)
    who = break_glass_identity(
        parsed.approver,
        context.aws_request_id,
        context.invoked_function_arn,
        People(rt.config.approvals.identities),
    )
    logger.warning(
        "break-glass decision by direct invocation",
        extra={"release_id": parsed.release_id, "claimed_approver": parsed.approver},
    )
    outcome = decide(Decision(parsed.release_id, parsed.decision, who, parsed.reason), rt)
    _log(outcome, parsed.release_id)
    return {"status": outcome.status, "message": outcome.message}


def _log(outcome: DecisionOutcome, release_id: str) -> None:
    logger.info(outcome.message, extra={"release_id": release_id, "status": outcome.status})


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    runtime_ = runtime.get(rt)
    if "requestContext" in event:
        return _function_url(event, runtime_)
    if "console" in event:
        return _console(event["console"], runtime_, context)
    return _break_glass(event, runtime_, context)
