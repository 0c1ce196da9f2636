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


def invoke_rollback(
    obj: CliContext,
    requested_by: str,
    reason: str | None,
    to: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Invoke the AlarmRollback function with a manual request; its answer, or CliError."""
    function = obj.resource("rollback_function")
    manual: dict[str, Any] = {"requested_by": requested_by, "reason": reason}
    if to is not None:
        manual.update({"to": to, "expected_version": expected_version})
    payload = {"manual": manual}
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


def _parameter_version(obj: CliContext) -> int | None:
    """The active-colour parameter's version as this operator sees it now (None if unreadable)."""
    try:
        name = obj.resource("parameter_name")
        return int(obj.client("ssm").get_parameter(Name=name)["Parameter"]["Version"])
    except (BotoCoreError, ClientError, CliError, KeyError, ValueError):
        return None


@click.command()
@click.option(
    "--to",
    type=click.Choice(["blue", "green"]),
    help="Put traffic on this colour whatever the last release did: the way out of a failed rollback "
    "or of a release stopped after its switch. Refused while a release runs.",
)
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
def rollback(
    ctx: click.Context, obj: CliContext, to: str | None, reason: str | None, requested_by: str | None
) -> None:
    """Put traffic back on the colour that was live before the latest release.

    Allowed while that release's rollback window is open, and only onto a colour that is still
    scaled up and healthy; otherwise it is refused and says why (exit 1). With --to, any time no
    release is running, onto a healthy colour, if the parameter has not changed since this command
    read it.
    """
    expected = _parameter_version(obj) if to else None
    result = invoke_rollback(obj, requested_by or _caller(obj), reason, to, expected)
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
