"""A JSON POST signed with SigV4 to a Lambda Function URL (AuthType AWS_IAM), as the caller.

AWS verifies the signature and hands the function the caller's ARN: the CLI says what it wants,
never who it is.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlparse

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from bluegreen.cli.context import CliContext, CliError

FUNCTION_URL_HOST = re.compile(r"^[a-z0-9]+\.lambda-url\.(?P<region>[a-z0-9-]+)\.on\.aws$")
TIMEOUT_SECONDS = 70.0
"""The functions behind these URLs run for up to 60 s (a decision re-checks the cluster)."""


def url_region(url: str, obj: CliContext) -> str:
    match = FUNCTION_URL_HOST.match(urlparse(url).hostname or "")
    if match:
        return match["region"]
    return obj.session.region_name or "us-east-1"


def caller_identity(obj: CliContext) -> str:
    """Who the signed request will be from (for display; AWS decides what the function sees)."""
    try:
        return str(obj.client("sts").get_caller_identity()["Arn"])
    except Exception as exc:
        raise CliError(f"cannot tell who you are on AWS ({exc}): check your credentials") from exc


def signed_post(obj: CliContext, url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body as a dict) of a SigV4-signed POST of `payload`."""
    credentials = obj.session.get_credentials()
    if credentials is None:
        raise CliError("no AWS credentials: the request must be signed with your IAM identity")
    body = json.dumps(payload)
    request = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json"})
    SigV4Auth(credentials.get_frozen_credentials(), "lambda", url_region(url, obj)).add_auth(request)
    try:
        response = httpx.post(
            url, content=body, headers=dict(request.headers.items()), timeout=TIMEOUT_SECONDS
        )
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach {url}: {exc}") from exc
    try:
        data = response.json()
    except ValueError:
        data = {"message": response.text}
    if not isinstance(data, dict):
        data = {"message": str(data)}
    return response.status_code, data
