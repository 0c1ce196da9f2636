"""`bluegreen approve RELEASE` / `bluegreen reject RELEASE --reason ...`: decide as your IAM identity.

The decision goes to DecideApproval's Function URL (AuthType AWS_IAM), signed with SigV4 from
the caller's credentials. AWS verifies the signature and hands the function the caller's ARN,
which is what the release record names: the CLI sends what is decided, never who decides.

Exit codes: 0 decided or recorded (a vote of several), 1 refused (the reason is printed).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlparse

import click
import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from rich.console import Console

from bluegreen.cli.context import CliContext, CliError, pass_cli

FUNCTION_URL_HOST = re.compile(r"^[a-z0-9]+\.lambda-url\.(?P<region>[a-z0-9-]+)\.on\.aws$")
TIMEOUT_SECONDS = 70.0
"""DecideApproval may take up to its 60 s Lambda timeout (a re-check reads the cluster)."""


def _region(url: str, obj: CliContext) -> str:
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


def send_decision(
    obj: CliContext, release_id: str, decision: str, reason: str | None
) -> tuple[int, dict[str, Any]]:
    url = obj.resource("decide_url")
    credentials = obj.session.get_credentials()
    if credentials is None:
        raise CliError("no AWS credentials: the decision must be signed with your IAM identity")
    body = json.dumps({"release_id": release_id, "decision": decision, "reason": reason})
    request = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json"})
    SigV4Auth(credentials.get_frozen_credentials(), "lambda", _region(url, obj)).add_auth(request)
    try:
        response = httpx.post(
            url, content=body, headers=dict(request.headers.items()), timeout=TIMEOUT_SECONDS
        )
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach the decide endpoint {url}: {exc}") from exc
    try:
        data = response.json()
    except ValueError:
        data = {"message": response.text}
    if not isinstance(data, dict):
        data = {"message": str(data)}
    return response.status_code, data


def _decide(obj: CliContext, release_id: str, decision: str, reason: str | None) -> None:
    identity = caller_identity(obj)
    status, data = send_decision(obj, release_id, decision, reason)
    message = str(data.get("message") or data.get("Message") or data.get("error") or f"HTTP {status}")
    decided = status == 200
    if status == 403 and "status" not in data:
        message = f"AWS refused the call for {identity}: {message} (is the approvers policy attached?)"
    result = {
        "release_id": release_id,
        "decision": decision,
        "status": data.get("status", "refused" if not decided else "?"),
        "message": message,
        "approver": data.get("approver", identity),
    }

    def human(console: Console) -> None:
        style = "green" if decided else "red"
        console.print(f"[{style}]{message}[/{style}]  (as {result['approver']})")

    obj.emit(result, human)
    if not decided:
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("release_id")
@click.option("--reason", default=None, help="Why (recorded with the approval).")
@pass_cli
def approve(obj: CliContext, release_id: str, reason: str | None) -> None:
    """Approve RELEASE as your IAM identity (refused if an alarm fires or idle changed)."""
    _decide(obj, release_id, "approve", reason)


@click.command()
@click.argument("release_id")
@click.option("--reason", required=True, help="Why the release is rejected (recorded).")
@pass_cli
def reject(obj: CliContext, release_id: str, reason: str) -> None:
    """Reject RELEASE as your IAM identity: traffic stays where it is, the reason is recorded."""
    _decide(obj, release_id, "reject", reason)
