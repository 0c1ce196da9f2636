"""`bluegreen report --since 30d`: the four delivery figures of the app/environment, and every release
of the window, from the release records (the History index: one query, no scan).

The same facts the releases' metrics were emitted from (bluegreen/metrics/facts.py), so the
report and the dashboard agree; docs/operations.md says what each figure means.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import click
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console

from bluegreen.adapters.release_history import records_since
from bluegreen.cli import report_view
from bluegreen.cli.context import CliContext, CliError, pass_cli
from bluegreen.clock import utc_now
from bluegreen.metrics.delivery import delivery_figures
from bluegreen.metrics.facts import ReleaseFacts

_SINCE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_WINDOW = timedelta(days=366)


def parse_since(ctx: click.Context | None, param: click.Parameter | None, value: str) -> timedelta:
    match = _SINCE.match(value)
    if match is None:
        raise click.BadParameter(f"{value!r}: give a number and h, d or w (12h, 30d, 4w)")
    window = int(match.group(1)) * _UNITS[match.group(2)]
    if window <= timedelta(0) or window > MAX_WINDOW:
        raise click.BadParameter(f"{value!r}: between 1h and {MAX_WINDOW.days}d")
    return window


def _set_json(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    obj = ctx.find_object(CliContext)
    if value and obj is not None:
        obj.as_json = True


@click.command()
@click.option(
    "--since",
    "window",
    default="30d",
    show_default=True,
    callback=parse_since,
    help="How far back: releases started in the last 12h, 30d, 4w, ...",
)
@click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_json,
    help="Machine-readable output (as `bluegreen --json report`).",
)
@pass_cli
def report(obj: CliContext, window: timedelta) -> None:
    """Release frequency, lead time, change failure rate and time to restore, and the releases behind
    them (with a chart on a terminal)."""
    config = obj.config
    now = utc_now()
    since = now - window
    try:
        items = records_since(
            obj.table(obj.resource("releases_table")), config.app, config.environment, since
        )
    except (BotoCoreError, ClientError) as exc:
        raise CliError(f"cannot read the release records: {exc}") from exc
    rows = [facts for item in items if (facts := ReleaseFacts.of_item(item)) is not None]
    until = _latest(rows, now)  # a record stamped by a clock a little ahead of this one still counts
    figures = delivery_figures(rows, since, until)

    def human(console: Console) -> None:
        report_view.render(console, config.app, config.environment, figures, rows, until)

    obj.emit(report_view.as_json(config.app, config.environment, figures, rows), human)


def _latest(rows: list[ReleaseFacts], now: datetime) -> datetime:
    return max([now, *(f.created_at for f in rows if f.created_at)])
