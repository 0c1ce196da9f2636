"""Lambda Function URL requests and responses (payload format 2.0): the body as sent, the IAM
caller the URL's AWS_IAM auth verified, and a JSON answer."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: dict[str, Any] | None = None

    def as_lambda(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "headers": {"content-type": "application/json"},
            "body": json.dumps(self.body) if self.body is not None else "",
        }


def request_body(event: Mapping[str, Any]) -> bytes | None:
    """The raw body of a Function URL request (base64 when Lambda chose to encode it); None if the
    event cannot hold one."""
    body = event.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        return None
    if event.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return None
    return body.encode("utf-8", errors="surrogatepass")


def request_text(event: Mapping[str, Any]) -> str | None:
    """The body as UTF-8 text; None when it is not (or cannot be decoded)."""
    raw = request_body(event)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def iam_caller(event: Mapping[str, Any]) -> str | None:
    """The caller's ARN that the URL's AWS_IAM auth verified; None without one (auth NONE)."""
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    iam = authorizer.get("iam") if isinstance(authorizer, dict) else None
    caller = iam.get("userArn") if isinstance(iam, dict) else None
    return caller if isinstance(caller, str) and caller else None
