"""Start a release through the StartRelease entry point, signed as the caller.

StartRelease's Function URL (AuthType AWS_IAM; stack output `StartReleaseUrl` or
BLUEGREEN_START_URL) records who started the release from the SigV4-verified caller ARN. Without
that URL (an older stack, a local moto run naming only BLUEGREEN_STATE_MACHINE_ARN), the execution
is started directly, and the release records `triggered_by` as an unverified claim.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click
from botocore.exceptions import ClientError

from bluegreen.cli.context import CliContext, CliError
from bluegreen.cli.signed_http import signed_post


def start_url(obj: CliContext) -> str | None:
    if os.environ.get("BLUEGREEN_START_URL"):
        return os.environ["BLUEGREEN_START_URL"]
    try:
        return obj.resource("start_url")
    except CliError:
        return None


def start_release(
    obj: CliContext, sfn: Any, state_machine_arn: str, name: str, release_input: dict[str, Any]
) -> tuple[str, str]:
    """(execution ARN, who the release records as its trigger)."""
    url = start_url(obj)
    if url is None:
        if not obj.as_json:
            click.echo(
                "note: no StartReleaseUrl: starting the execution directly, so who started it is "
                "recorded as an unverified claim",
                err=True,
            )
        try:
            response = sfn.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(release_input)
            )
        except ClientError as exc:
            raise CliError(f"cannot start the release: {exc}") from exc
        return str(response["executionArn"]), str(release_input.get("triggered_by", ""))
    status, data = signed_post(obj, url, {"name": name, "input": release_input})
    if status != 200:
        problems = data.get("problems")
        if isinstance(problems, list) and problems:
            text = "; ".join(f"{p.get('field')}: {p.get('message')}" for p in problems if isinstance(p, dict))
        else:
            text = str(data.get("message") or data.get("Message") or f"HTTP {status}")
        hint = " (is the release starters policy attached?)" if status == 403 and not problems else ""
        raise CliError(f"the release was not started: {text}{hint}")
    return str(data["execution_arn"]), str(data.get("triggered_by", ""))
