"""StartRelease (Function URL, AuthType AWS_IAM): start a release as the SigV4-verified caller.

The body is `{"input": <release input>, "name": <optional release id>}`; the caller is what AWS
puts in `requestContext.authorizer.iam.userArn`. Answers 200 with the release id and execution ARN,
or 400/403/409 with the problems (nothing started).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from bluegreen.adapters.function_url import HttpResponse, iam_caller, request_text
from bluegreen.lambda_support import RuntimeHolder, logger
from bluegreen.release.start_release import StartRefusedError, StartRequest, start_release
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


def _http(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return HttpResponse(status, body).as_lambda()


def _refused(status: int, problems: list[tuple[str, str]]) -> dict[str, Any]:
    return _http(status, {"status": "refused", "problems": [{"field": f, "message": m} for f, m in problems]})


@logger.inject_lambda_context(log_event=False)
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    rt: Runtime | None = None,
    state_machine_arn: str | None = None,
) -> dict[str, Any]:
    caller = iam_caller(event)
    if caller is None:
        return _refused(403, [("caller", "no IAM identity: the function URL must use AuthType AWS_IAM")])
    raw = request_text(event)
    if raw is None:
        return _refused(400, [("body", "cannot be decoded")])
    try:
        request = StartRequest.model_validate_json(raw)
    except ValidationError as exc:
        problems = [(".".join(str(p) for p in err["loc"]) or "body", err["msg"]) for err in exc.errors()]
        return _refused(400, problems)
    machine = state_machine_arn or os.environ.get("RELEASE_STATE_MACHINE_ARN", "")
    if not machine:
        return _refused(500, [("configuration", "RELEASE_STATE_MACHINE_ARN is not set for this function")])
    try:
        started = start_release(caller, request, runtime.get(rt), machine)
    except StartRefusedError as exc:
        logger.info("release start refused", extra={"caller": caller, "refusal": str(exc)})
        return _refused(exc.status, exc.problems)
    logger.info("release started", extra=started.model_dump())
    return _http(200, {"status": "started", **started.model_dump()})
