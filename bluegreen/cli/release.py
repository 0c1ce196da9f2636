"""`bluegreen release start|status|watch|history` (and `status`, `watch`, `history` at the top level).

A release is one execution of the release state machine; its id is the execution name, and its
record (RELEASE#<id> in the releases table) holds the steps, colours and outcome. `start --wait` and
`watch` exit with a code a pipeline can branch on (bluegreen/cli/endings.py).
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bluegreen.adapters.release_history import list_records
from bluegreen.cli.context import CliContext, pass_cli
from bluegreen.cli.endings import Ending, Releases
from bluegreen.cli.follow import OUTCOME_STYLE, follow, header, outcome_text, steps_table
from bluegreen.cli.start_release import start_release
from bluegreen.models import release_id_of


def _parse_images(values: tuple[str, ...]) -> dict[str, str]:
    images: dict[str, str] = {}
    for value in values:
        service, sep, uri = value.partition("=")
        if not sep or not service.strip() or not uri.strip():
            raise click.BadParameter(f"{value!r} is not SERVICE=IMAGE", param_hint="--image")
        service = service.strip()
        if service in images:
            raise click.BadParameter(f"{service} given twice", param_hint="--image")
        images[service] = uri.strip()
    return images


def _commit_time(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """ISO-8601 with an offset (`git log -1 --format=%cI`), or Unix seconds (`--format=%ct`)."""
    if value is None:
        return None
    text = value.strip()
    try:
        moment = (
            datetime.fromtimestamp(int(text), UTC)
            if text.isdigit()
            else datetime.fromisoformat(text.replace("Z", "+00:00"))
        )
    except (ValueError, OverflowError, OSError) as exc:
        raise click.BadParameter(
            f"{value!r} is not a time: give ISO-8601 with an offset (2026-12-01T09:30:00Z) or Unix seconds"
        ) from exc
    if moment.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} has no offset: add Z or +hh:mm (the pipeline's clock is not ours)"
        )
    return moment.astimezone(UTC).isoformat()


def _caller(obj: CliContext) -> str:
    """Who is releasing: the caller's IAM identity, else the local user."""
    try:
        return str(obj.client("sts").get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError, KeyError):
        return getpass.getuser()


def _finish(ctx: click.Context, obj: CliContext, ending: Ending) -> None:
    if obj.as_json:
        click.echo(json.dumps(ending.as_dict(), default=str))
    else:
        obj.console.print(Text.assemble(f"release {ending.release_id}: ", outcome_text(ending)))
    ctx.exit(ending.exit_code)


# -- commands ----------------------------------------------------------------------------------


def _set_json(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    obj = ctx.find_object(CliContext)
    if value and obj is not None:
        obj.as_json = True


json_option = click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_json,
    help="Machine-readable output (as `bluegreen --json ...`).",
)


@click.group()
def release() -> None:
    """Start and follow releases."""


@release.command()
@click.option("--version", "version", required=True, help="The release's version (e.g. the git tag).")
@click.option(
    "--image", "images", multiple=True, metavar="SERVICE=IMAGE", help="A service's new image (repeatable)."
)
@click.option("--triggered-by", help="Who or what starts it (default: your AWS identity, else $USER).")
@click.option("--change-ref", help="Change ticket or pull request, recorded with the release.")
@click.option(
    "--commit-time",
    callback=_commit_time,
    metavar="TIME",
    help="When the change was made (its commit, or the pipeline's start): where lead time starts. "
    "ISO-8601 with an offset, or Unix seconds.",
)
@click.option("--name", help="The release id (the execution name; default a UUID).")
@click.option("--wait", is_flag=True, help="Follow the release and exit 0 only if it switched and baked.")
@click.option("--timeout", type=float, default=None, help="With --wait: give up after SECONDS (exit 4).")
@click.option(
    "--poll-seconds", type=float, default=5.0, show_default=True, help="With --wait: poll interval."
)
@json_option
@pass_cli
@click.pass_context
def start(
    ctx: click.Context,
    obj: CliContext,
    version: str,
    images: tuple[str, ...],
    triggered_by: str | None,
    change_ref: str | None,
    commit_time: str | None,
    name: str | None,
    wait: bool,
    timeout: float | None,
    poll_seconds: float,
) -> None:
    """Start a release of VERSION (with --image for the services whose image changes)."""
    import uuid

    release_input: dict[str, Any] = {
        "version": version,
        "images": _parse_images(images),
        "triggered_by": triggered_by or _caller(obj),
    }
    if change_ref:
        release_input["change_ref"] = change_ref
    if commit_time:
        release_input["commit_time"] = commit_time
    releases = Releases(obj)
    execution_arn, trigger = start_release(  # through StartRelease, which records who you are
        obj, releases.sfn, releases.state_machine_arn(), name or str(uuid.uuid4()), release_input
    )
    release_id = release_id_of(execution_arn)
    started = {"release_id": release_id, "execution_arn": execution_arn, "input": release_input}
    if obj.as_json:
        click.echo(json.dumps({**started, "triggered_by": trigger}))
    else:
        obj.console.print(f"release [bold]{release_id}[/bold] started: {version} by {trigger}")
    if wait:
        _finish(ctx, obj, follow(releases, execution_arn, obj, poll_seconds, timeout))


@release.command()
@click.argument("release_id", metavar="RELEASE")
@json_option
@pass_cli
def status(obj: CliContext, release_id: str) -> None:
    """A release's record and its execution's status."""
    releases = Releases(obj)
    execution_arn = releases.execution_arn(release_id)
    execution = releases.describe(execution_arn)
    release_id = release_id_of(execution_arn)
    record = releases.record(release_id)
    ending = releases.ending(execution_arn, execution)
    data = {
        "release_id": release_id,
        "execution_arn": execution_arn,
        "status": execution["status"],
        "started_at": execution.get("startDate"),
        "stopped_at": execution.get("stopDate"),
        "outcome": ending.outcome,
        "error": ending.error,
        "reason": ending.reason,
        "exit_code": ending.exit_code,
        "record": {k: v for k, v in record.items() if k != "pk"},
    }

    def human(console: Console) -> None:
        console.print(header(release_id, record))
        console.print(Text.assemble("status: ", outcome_text(ending)))
        approval = record.get("approval") or {}
        if approval:
            console.print(f"approval: {approval.get('status', '?')} {approval.get('by') or ''}".rstrip())
        console.print(steps_table(record))

    obj.emit(data, human)


@release.command()
@click.argument("release_id", metavar="RELEASE")
@click.option("--poll-seconds", type=float, default=2.0, show_default=True)
@click.option("--timeout", type=float, default=None, help="Stop watching after SECONDS (exit 4).")
@json_option
@pass_cli
@click.pass_context
def watch(
    ctx: click.Context, obj: CliContext, release_id: str, poll_seconds: float, timeout: float | None
) -> None:
    """Follow a release's steps live until it ends; exits like `start --wait`."""
    releases = Releases(obj)
    execution_arn = releases.execution_arn(release_id)
    _finish(ctx, obj, follow(releases, execution_arn, obj, poll_seconds, timeout))


@release.command()
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@json_option
@pass_cli
def history(obj: CliContext, limit: int) -> None:
    """Recent releases of the app/environment, newest first."""
    config = obj.config
    table = obj.table(obj.resource("releases_table"))
    items = list_records(table, config.app, config.environment, limit)
    rows = [
        {
            "release_id": item.get("release_id"),
            "version": item.get("version"),
            "triggered_by": item.get("triggered_by"),
            "created_at": item.get("created_at"),
            "finished_at": item.get("finished_at"),
            "status": item.get("status"),
            "outcome": item.get("outcome"),
            "colors": item.get("colors"),
            "reason": item.get("reason"),
        }
        for item in items
    ]

    def human(console: Console) -> None:
        if not rows:
            console.print(f"no releases of {config.app}/{config.environment} yet")
            return
        out = Table(title=f"{config.app}/{config.environment} releases", header_style="bold")
        for column in ("started", "release", "version", "by", "colours", "outcome"):
            out.add_column(column)
        for row in rows:
            colors = row["colors"] or {}
            outcome = str(row["outcome"] or row["status"] or "?").lower()
            out.add_row(
                str(row["created_at"] or "")[:19],
                str(row["release_id"]),
                str(row["version"]),
                str(row["triggered_by"] or ""),
                f"{colors.get('before', '?')} -> {colors.get('target') or colors.get('after') or '?'}",
                Text(outcome, style=OUTCOME_STYLE.get(outcome, "cyan" if outcome == "running" else "red")),
            )
        console.print(out)

    obj.emit(rows, human)


# The everyday commands also at the top level: `bluegreen status|watch|history`.
