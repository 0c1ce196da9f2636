"""`bluegreen rollback`: undo the latest finished release, through the same function (and the same
guards) as the automatic rollback on alarm.

Exit codes: 0 rolled back (or already back on the previous colour), 1 refused, with the reason
(window closed, previous colour scaled down or unhealthy, parameter changed, release lock held).
"""

from __future__ import annotations

import getpass
import json
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError

from bluegreen.cli.context import CliContext, CliError, pass_cli
from bluegreen.cli.main import cli

OK_STATUSES = ("rolled_back", "already_rolled_back")


def _set_json(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    obj = ctx.find_object(CliContext)
    if value and obj is not None:
        obj.as_json = True


def _caller(obj: CliContext) -> str:
    try:
        return str(obj.client("sts").get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError, KeyError):
        return getpass.getuser()


def invoke_rollback(obj: CliContext, requested_by: str, reason: str | None) -> dict[str, Any]:
    """Invoke the AlarmRollback function with a manual request; its answer, or CliError."""
    function = obj.resource("rollback_function")
    payload = {"manual": {"requested_by": requested_by, "reason": reason}}
    try:
        response = obj.client("lambda").invoke(FunctionName=function, Payload=json.dumps(payload).encode())
    except (BotoCoreError, ClientError) as exc:
        raise CliError(f"cannot invoke {function}: {exc}") from exc
    body = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        message = body.get("errorMessage") if isinstance(body, dict) else body
        raise CliError(f"the rollback function failed: {message}")
    if not isinstance(body, dict) or "status" not in body:
        raise CliError(f"unexpected answer from {function}: {body!r}")
    return body


@cli.command()
@click.option("--reason", help="Why, recorded with the release and sent to Slack.")
@click.option("--by", "requested_by", help="Who asks (default: your AWS identity, else $USER).")
@click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_json,
    help="Machine-readable output (as `bluegreen --json rollback`).",
)
@pass_cli
@click.pass_context
def rollback(ctx: click.Context, obj: CliContext, reason: str | None, requested_by: str | None) -> None:
    """Put traffic back on the colour that was live before the latest release.

    Allowed while that release's rollback window is open, and only onto a colour that is still
    scaled up and healthy; otherwise it is refused and says why (exit 1).
    """
    result = invoke_rollback(obj, requested_by or _caller(obj), reason)
    status = str(result["status"])

    def human(console: Any) -> None:
        label = {"rolled_back": "rolled back", "already_rolled_back": "already rolled back"}.get(
            status, status
        )
        release = f"release {result.get('release_id')}: " if result.get("release_id") else ""
        console.print(f"{release}{label}: {result.get('message', '')}")

    obj.emit(result, human)
    if status not in OK_STATUSES:
        if not obj.as_json:
            click.echo(f"rollback {status}: {result.get('message', '')}", err=True)
        ctx.exit(1)
