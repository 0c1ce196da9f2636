"""`bluegreen release start|status|watch|history` (and `status`, `watch`, `history` at the top level).

A release is one execution of the release state machine; its id is the execution name, and its
record (RELEASE#<id> in the releases table) holds the steps, colours and outcome. `start --wait`
and `watch` exit with a code a pipeline can branch on:

  0  succeeded: switched and baked          2  rejected, or the approval timed out
  1  failed, refused, stopped or unknown    3  rolled back after an alarm
  4  still running when --timeout passed     64 usage error (bluegreen.cli.main), nothing started
"""

from __future__ import annotations

import getpass
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from bluegreen.adapters.release_history import list_records
from bluegreen.adapters.release_store import ReleaseStore
from bluegreen.cli.context import CliContext, CliError, pass_cli
from bluegreen.cli.main import cli
from bluegreen.cli.start_release import start_release

EXIT_SUCCEEDED = 0
EXIT_FAILED = 1
EXIT_REJECTED = 2
EXIT_ROLLED_BACK = 3
EXIT_STILL_RUNNING = 4

# The Error of each Fail state in statemachines/release.asl.json -> exit code.
EXIT_BY_ERROR = {
    "ReleaseRejected": EXIT_REJECTED,
    "ApprovalTimedOut": EXIT_REJECTED,
    "ReleaseRolledBack": EXIT_ROLLED_BACK,
    "ReleaseRefused": EXIT_FAILED,
    "ReleaseFailed": EXIT_FAILED,
    "FinishNotRecorded": EXIT_FAILED,
    "FailureNotRecorded": EXIT_FAILED,
}
# When the execution ended elsewhere than a Fail state (stopped, timed out): the record's outcome.
EXIT_BY_OUTCOME = {
    "succeeded": EXIT_SUCCEEDED,
    "rejected": EXIT_REJECTED,
    "timed_out": EXIT_REJECTED,
    "rolled_back": EXIT_ROLLED_BACK,
}
OUTCOME_STYLE = {"succeeded": "green", "rolled_back": "yellow", "rejected": "yellow", "timed_out": "yellow"}


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


def _caller(obj: CliContext) -> str:
    """Who is releasing: the caller's IAM identity, else the local user."""
    try:
        return str(obj.client("sts").get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError, KeyError):
        return getpass.getuser()


@dataclass
class Ending:
    """How a finished (or still running) execution ended, for people and for exit codes."""

    release_id: str
    execution_arn: str
    status: str
    outcome: str | None
    error: str | None
    reason: str | None
    exit_code: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Releases:
    """Reads a release's execution and record through the CLI context."""

    def __init__(self, obj: CliContext) -> None:
        self.obj = obj
        self.sfn = obj.client("stepfunctions")
        self.store = ReleaseStore(obj.table(obj.resource("releases_table")))

    def state_machine_arn(self) -> str:
        return self.obj.resource("state_machine_arn")

    def execution_arn(self, release: str) -> str:
        """A release id (the execution name) or an execution ARN -> the execution ARN."""
        if release.startswith("arn:"):
            return release
        record = self.store.get_record(release) or {}
        if record.get("execution_arn"):
            return str(record["execution_arn"])
        prefix, _, name = self.state_machine_arn().partition(":stateMachine:")
        return f"{prefix}:execution:{name}:{release}"

    def record(self, release_id: str) -> dict[str, Any]:
        return self.store.get_record(release_id) or {}

    def describe(self, execution_arn: str) -> dict[str, Any]:
        try:
            return dict(self.sfn.describe_execution(executionArn=execution_arn))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
                raise CliError(f"no release {execution_arn.rsplit(':', 1)[-1]}") from exc
            raise

    def current_state(self, execution_arn: str) -> tuple[str, datetime] | None:
        """The state the execution entered last and when (from its history)."""
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        last: tuple[str, datetime] | None = None
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            for event in page.get("events", []):
                if event["type"].endswith("StateEntered"):
                    last = str(event["stateEnteredEventDetails"]["name"]), event["timestamp"]
            if not page.get("nextToken"):
                return last
            kwargs["nextToken"] = page["nextToken"]

    def ending(self, execution_arn: str, execution: dict[str, Any] | None = None) -> Ending:
        execution = execution or self.describe(execution_arn)
        release_id = execution_arn.rsplit(":", 1)[-1]
        record = self.record(release_id)
        status = str(execution["status"])
        outcome = record.get("outcome")
        error = execution.get("error")
        reason = record.get("reason") or (record.get("rollback") or {}).get("reason")
        if status == "SUCCEEDED":
            code = EXIT_SUCCEEDED
        elif status == "RUNNING":
            code = EXIT_STILL_RUNNING
        elif error in EXIT_BY_ERROR:
            code = EXIT_BY_ERROR[str(error)]
        else:
            code = EXIT_BY_OUTCOME.get(str(outcome), EXIT_FAILED)
            if code == EXIT_SUCCEEDED:  # a record that says succeeded on a failed execution
                code = EXIT_FAILED
        if status not in ("SUCCEEDED", "RUNNING") and not reason:
            reason = execution.get("cause") or f"the execution ended {status}"
        return Ending(release_id, execution_arn, status, outcome, error, reason, code)


# -- rendering ---------------------------------------------------------------------------------


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _elapsed(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:5.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def step_rows(record: dict[str, Any]) -> list[tuple[str, str, float]]:
    """The record's `steps` map as (step, timestamp, seconds since the release started), in order."""
    started = _parse_time(record.get("created_at"))
    rows = []
    for step, stamp in (record.get("steps") or {}).items():
        at = _parse_time(stamp)
        offset = (at - started).total_seconds() if at and started else 0.0
        rows.append((str(step), str(stamp), offset))
    return sorted(rows, key=lambda row: row[1])


def _outcome_text(ending: Ending) -> Text:
    label = ending.outcome or ending.status.lower()
    style = OUTCOME_STYLE.get(label, "red") if ending.status != "RUNNING" else "cyan"
    text = Text(label, style=f"bold {style}")
    if ending.reason and ending.status != "SUCCEEDED":
        text.append(f": {ending.reason}")
    return text


def _steps_table(record: dict[str, Any], now: tuple[str, float] | None = None) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("at", justify="right")
    table.add_column("step")
    previous = 0.0
    for step, _, offset in step_rows(record):
        table.add_row(f"+{_elapsed(offset)}", f"{step}  [dim](+{_elapsed(offset - previous).strip()})[/dim]")
        previous = offset
    if now is not None:
        state, running_for = now
        table.add_row("", f"[cyan]… {state}[/cyan] [dim]for {_elapsed(running_for).strip()}[/dim]")
    return table


def _header(release_id: str, record: dict[str, Any]) -> Text:
    images = record.get("images") or {}
    what = record.get("version") or "?"
    if images:
        what += " (" + ", ".join(f"{k}={v.rsplit('/', 1)[-1]}" for k, v in images.items()) + ")"
    colors = record.get("colors") or {}
    text = Text.assemble(
        ("release ", "bold"),
        (release_id, "bold"),
        f"  {record.get('app', '?')}/{record.get('environment', '?')} {what}",
    )
    if colors:
        text.append(f"  {colors.get('before', '?')} -> {colors.get('target') or colors.get('after') or '?'}")
    if record.get("triggered_by"):
        text.append(f"  by {record['triggered_by']}", style="dim")
    return text


def follow(
    releases: Releases, execution_arn: str, obj: CliContext, poll_seconds: float, timeout: float | None
) -> Ending:
    """Follow an execution until it ends (or `timeout` passes): a live table on a terminal, a line
    per step otherwise, JSON Lines with --json."""
    release_id = execution_arn.rsplit(":", 1)[-1]
    deadline = time.monotonic() + timeout if timeout else None
    console: Console = obj.console
    live_view = console.is_terminal and not obj.as_json
    seen: set[str] = set()

    def emit_new_steps(record: dict[str, Any]) -> None:
        for step, stamp, offset in step_rows(record):
            if step in seen:
                continue
            seen.add(step)
            if obj.as_json:
                click.echo(
                    json.dumps({"release_id": release_id, "step": step, "at": stamp, "offset": offset})
                )
            elif not live_view:
                console.print(f"  +{_elapsed(offset)}  {step}")

    def render(record: dict[str, Any]) -> Group:
        now = releases.current_state(execution_arn)
        current = (now[0], time.time() - now[1].timestamp()) if now else None
        return Group(_header(release_id, record), _steps_table(record, current))

    live = Live(console=console, refresh_per_second=4, transient=False) if live_view else None
    if live is not None:
        live.start()
    try:
        while True:
            execution = releases.describe(execution_arn)
            record = releases.record(release_id)
            if live is not None:
                live.update(render(record))
            else:
                emit_new_steps(record)
            if execution["status"] != "RUNNING":
                ending = releases.ending(execution_arn, execution)
                if live is not None:
                    live.update(Group(_header(release_id, releases.record(release_id)), _steps_table(record)))
                else:
                    emit_new_steps(releases.record(release_id))
                return ending
            if deadline is not None and time.monotonic() > deadline:
                return releases.ending(execution_arn, execution)
            time.sleep(poll_seconds)
    finally:
        if live is not None:
            live.stop()


def _finish(ctx: click.Context, obj: CliContext, ending: Ending) -> None:
    if obj.as_json:
        click.echo(json.dumps(ending.as_dict(), default=str))
    else:
        obj.console.print(Text.assemble(f"release {ending.release_id}: ", _outcome_text(ending)))
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


@cli.group()
def release() -> None:
    """Start and follow releases."""


@release.command()
@click.option("--version", "version", required=True, help="The release's version (e.g. the git tag).")
@click.option(
    "--image", "images", multiple=True, metavar="SERVICE=IMAGE", help="A service's new image (repeatable)."
)
@click.option("--triggered-by", help="Who or what starts it (default: your AWS identity, else $USER).")
@click.option("--change-ref", help="Change ticket or pull request, recorded with the release.")
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
    releases = Releases(obj)
    execution_arn, trigger = start_release(  # through StartRelease, which records who you are
        obj, releases.sfn, releases.state_machine_arn(), name or str(uuid.uuid4()), release_input
    )
    release_id = execution_arn.rsplit(":", 1)[-1]
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
    release_id = execution_arn.rsplit(":", 1)[-1]
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
        console.print(_header(release_id, record))
        console.print(Text.assemble("status: ", _outcome_text(ending)))
        approval = record.get("approval") or {}
        if approval:
            console.print(f"approval: {approval.get('status', '?')} {approval.get('by') or ''}".rstrip())
        console.print(_steps_table(record))

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
cli.add_command(status)
cli.add_command(watch)
cli.add_command(history)
