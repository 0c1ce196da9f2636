"""Following a release in the terminal: the steps as they happen (a live table on a terminal, a
line per step otherwise, JSON Lines with --json), and the one-line ending."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import click
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from bluegreen.cli.context import CliContext
from bluegreen.cli.endings import RECORD_SETTLE_SECONDS, Ending, Releases
from bluegreen.models import Outcome, release_id_of

OUTCOME_STYLE = {
    Outcome.SUCCEEDED.value: "green",
    Outcome.ROLLED_BACK.value: "yellow",
    Outcome.REJECTED.value: "yellow",
    Outcome.TIMED_OUT.value: "yellow",
    Outcome.ROLLBACK_FAILED.value: "bold white on red",
}


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


def outcome_text(ending: Ending) -> Text:
    label = ending.outcome or ending.status.lower()
    style = OUTCOME_STYLE.get(label, "red") if ending.status != "RUNNING" else "cyan"
    text = Text(label, style=f"bold {style}")
    if ending.reason and ending.status != "SUCCEEDED":
        text.append(f": {ending.reason}")
    return text


def steps_table(record: dict[str, Any], now: tuple[str, float] | None = None) -> Table:
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


def header(release_id: str, record: dict[str, Any]) -> Text:
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
    release_id = release_id_of(execution_arn)
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
        return Group(header(release_id, record), steps_table(record, current))

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
                ending = releases.ending(execution_arn, execution, settle_seconds=RECORD_SETTLE_SECONDS)
                if live is not None:
                    live.update(Group(header(release_id, releases.record(release_id)), steps_table(record)))
                else:
                    emit_new_steps(releases.record(release_id))
                return ending
            if deadline is not None and time.monotonic() > deadline:
                return releases.ending(execution_arn, execution)
            time.sleep(poll_seconds)
    finally:
        if live is not None:
            live.stop()
