"""How `bluegreen report` looks: the four figures, a chart of releases per day, lead times as bars,
and the per-release table; and the same as JSON."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bluegreen.metrics.delivery import DAY, DeliveryFigures, Spread
from bluegreen.metrics.facts import ReleaseFacts
from bluegreen.metrics.names import Phase

CATEGORY_STYLE = {"live": "green", "failed": "red", "stopped": "yellow", "running": "cyan"}
CATEGORY_LABEL = {
    "live": "went live",
    "failed": "failed in production",
    "stopped": "stopped before production",
    "running": "running",
}
PHASE_LABEL = {
    Phase.DEPLOY: "deploy",
    Phase.ROLLOUT: "rollout",
    Phase.SMOKE: "smoke",
    Phase.APPROVAL_WAIT: "approval",
    Phase.SWITCH_PROPAGATION: "switch",
    Phase.BAKE: "bake",
}
BAR_WIDTH = 40
WEEKLY_AFTER_DAYS = 62


def duration(value: timedelta | None) -> str:
    if value is None:
        return "-"
    seconds = round(value.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s" if seconds else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def _releases(count: int) -> str:
    return f"{count} release{'' if count == 1 else 's'}"


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def _spread_json(spread: Spread | None) -> dict[str, Any]:
    if spread is None:
        return {"median_seconds": None, "p90_seconds": None, "releases": 0}
    return {
        "median_seconds": spread.median.total_seconds(),
        "p90_seconds": spread.p90.total_seconds(),
        "releases": spread.count,
    }


def as_json(app: str, environment: str, figures: DeliveryFigures, rows: list[ReleaseFacts]) -> dict[str, Any]:
    rate = figures.change_failure_rate
    return {
        "app": app,
        "environment": environment,
        "since": figures.since.isoformat(),
        "until": figures.until.isoformat(),
        "figures": {
            "release_frequency": {
                "went_live": figures.went_live,
                "per_day": round(figures.per_day, 3),
                "per_week": round(figures.per_week, 3),
                "releases": figures.releases,
                "ended": figures.ended,
            },
            "lead_time": {
                **(
                    _spread_json(figures.lead_time)
                    or {"median_seconds": None, "p90_seconds": None, "releases": 0}
                ),
                "live_without_commit_time": figures.live_without_commit_time,
            },
            "change_failure_rate": {
                "percent": round(rate, 1) if rate is not None else None,
                "failed_changes": figures.failed_changes,
                "went_live": figures.went_live,
            },
            "time_to_restore": {
                **_spread_json(figures.time_to_restore),
                "not_restored": figures.not_restored,
            },
        },
        "releases": [
            {
                "release_id": f.release_id,
                "version": f.version,
                "created_at": f.created_at.isoformat() if f.created_at else None,
                "outcome": f.outcome.value if f.outcome else None,
                "went_live": f.went_live,
                "failed_change": f.failed_change,
                "commit_time": f.commit_time.isoformat() if f.commit_time else None,
                "lead_time_seconds": _seconds(f.lead_time),
                "switch_to_rollback_seconds": _seconds(f.switch_to_rollback),
                "time_to_restore_seconds": _seconds(f.time_to_restore),
                "phases_seconds": {phase.value: d.total_seconds() for phase, d in f.phases.items()},
            }
            for f in rows
        ],
    }


def figures_table(figures: DeliveryFigures) -> Table:
    table = Table(title="delivery", header_style="bold", show_lines=False)
    for column in ("figure", "value", "from"):
        table.add_column(column)
    table.add_row(
        "release frequency",
        f"{figures.per_day:.2f}/day ({figures.per_week:.1f}/week)",
        f"{figures.went_live} went live of {figures.ended} ended ({figures.releases} started)",
    )
    lead = figures.lead_time
    table.add_row(
        "lead time (commit -> live)",
        f"median {duration(lead.median)}, p90 {duration(lead.p90)}" if lead else "-",
        _releases(lead.count if lead else 0)
        + (
            f"; {figures.live_without_commit_time} went live without --commit-time"
            if figures.live_without_commit_time
            else ""
        ),
    )
    rate = figures.change_failure_rate
    table.add_row(
        "change failure rate",
        f"{rate:.1f}%" if rate is not None else "-",
        f"{figures.failed_changes} failed in production of {figures.went_live} live",
    )
    restore = figures.time_to_restore
    table.add_row(
        "time to restore",
        f"median {duration(restore.median)}, p90 {duration(restore.p90)}" if restore else "-",
        f"{restore.count if restore else 0} restored"
        + (f"; {figures.not_restored} NOT restored" if figures.not_restored else ""),
    )
    return table


def releases_chart(figures: DeliveryFigures, rows: list[ReleaseFacts], now: datetime) -> Text:
    """One line per day (per week for long windows), one block per release, coloured by how it ended."""
    weekly = figures.days > WEEKLY_AFTER_DAYS
    step = 7 * DAY if weekly else DAY
    start = figures.since.replace(hour=0, minute=0, second=0, microsecond=0)
    buckets: list[tuple[datetime, Counter[str]]] = []
    moment = start
    while moment <= now:
        buckets.append((moment, Counter()))
        moment += step
    for facts in rows:
        if facts.created_at is None or not buckets:
            continue
        index = min(int((facts.created_at - start) / step), len(buckets) - 1)
        if index >= 0:
            buckets[index][1][facts.category] += 1
    text = Text(f"releases per {'week' if weekly else 'day'}:  ", style="bold")
    for category, style in CATEGORY_STYLE.items():
        text.append("█ ", style=style)
        text.append(f"{CATEGORY_LABEL[category]}  ")
    text.append("\n")
    for moment, counts in buckets:
        text.append(moment.strftime("%m-%d %a  "))
        if not counts:
            text.append("·\n", style="dim")
            continue
        for category, style in CATEGORY_STYLE.items():
            text.append("█" * counts[category], style=style)
        text.append(f" {sum(counts.values())}\n")
    return text


def lead_time_chart(rows: list[ReleaseFacts]) -> Text | None:
    measured = [f for f in reversed(rows) if f.lead_time is not None]
    if not measured:
        return None
    longest = max(f.lead_time.total_seconds() for f in measured if f.lead_time is not None) or 1.0
    text = Text("lead time per release (commit -> live):\n", style="bold")
    for facts in measured:
        assert facts.lead_time is not None
        width = max(1, round(BAR_WIDTH * facts.lead_time.total_seconds() / longest))
        label = (facts.version or facts.release_id)[:16]
        text.append(f"{label:>16} ")
        text.append("▇" * width, style=CATEGORY_STYLE[facts.category])
        text.append(f" {duration(facts.lead_time)}\n")
    return text


def releases_table(rows: list[ReleaseFacts]) -> Table:
    table = Table(title="releases", header_style="bold")
    for column in ("started", "release", "version", "outcome", "lead time", "restore"):
        table.add_column(column, no_wrap=column in ("started", "lead time", "restore"))
    table.add_column("phases")
    for facts in rows:
        outcome = facts.outcome.value if facts.outcome else "running"
        phases = " · ".join(f"{PHASE_LABEL[p]} {duration(d)}" for p, d in facts.phases.items())
        table.add_row(
            facts.created_at.strftime("%m-%d %H:%M") if facts.created_at else "?",
            facts.release_id,
            facts.version or "?",
            Text(outcome + (" (live)" if facts.went_live else ""), style=CATEGORY_STYLE[facts.category]),
            duration(facts.lead_time),
            duration(facts.time_to_restore),
            phases,
        )
    return table


def render(
    console: Console,
    app: str,
    environment: str,
    figures: DeliveryFigures,
    rows: list[ReleaseFacts],
    now: datetime,
) -> None:
    console.print(
        f"{app}/{environment}: releases since {figures.since:%Y-%m-%d %H:%M} UTC "
        f"({figures.days:.0f} day{'s' if round(figures.days) != 1 else ''})"
    )
    if not rows:
        console.print("no releases in this window")
        return
    console.print(figures_table(figures))
    console.print(releases_chart(figures, rows, now))
    lead = lead_time_chart(rows)
    if lead is not None:
        console.print(lead)
    console.print(releases_table(rows))
