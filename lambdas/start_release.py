"""StartRelease (Function URL, AuthType AWS_IAM): start a release as the SigV4-verified caller.

The body is `{"input": <release input>, "name": <optional release id>}`; the caller is what AWS
puts in `requestContext.authorizer.iam.userArn`. Answers 200 with the release id and execution ARN,
or 400/403/409 with the problems (nothing started).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from bluegreen.lambda_support import RuntimeHolder, logger
from bluegreen.release.start_release import StartRefusedError, StartRequest, start_release
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


def _http(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def _refused(status: int, problems: list[tuple[str, str]]) -> dict[str, Any]:
    return _http(status, {"status": "refused", "problems": [{"field": f, "message": m} for f, m in problems]})


def _body(event: dict[str, Any]) -> str | None:
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        return None
    if event.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
    return raw


@logger.inject_lambda_context(log_event=False)
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    rt: Runtime | None = None,
    state_machine_arn: str | None = None,
) -> dict[str, Any]:
    request_context = event.get("requestContext")
    iam = (
        ((request_context or {}).get("authorizer") or {}).get("iam")
        if isinstance(request_context, dict)
        else None
    )
    caller = iam.get("userArn") if isinstance(iam, dict) else None
    if not isinstance(caller, str) or not caller:
        return _refused(403, [("caller", "no IAM identity: the function URL must use AuthType AWS_IAM")])
    raw = _body(event)
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
