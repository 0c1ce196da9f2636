"""The four delivery figures over a window of release records: a pure function of their facts.

- **release frequency**: releases that went live (switched traffic) and ended, per day and per
  week of the window;
- **lead time**: the median (and 90th percentile) from commit time to live, over the releases
  that went live and carried a commit time;
- **change failure rate**: failed changes / releases that went live, in percent;
- **time to restore**: the median from a failed change's switch to traffic back on the previous
  colour, over the failed changes that were restored (the others are counted as not restored).

A release still running is listed but not counted: its ending is not known yet (the metrics,
emitted at the ending, count it the same way).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bluegreen.metrics.facts import ReleaseFacts

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Spread:
    """The middle and the slow end of a set of durations."""

    median: timedelta
    p90: timedelta
    count: int

    @classmethod
    def of(cls, durations: Iterable[timedelta]) -> Spread | None:
        seconds = sorted(d.total_seconds() for d in durations)
        if not seconds:
            return None
        rank = max(1, math.ceil(0.9 * len(seconds)))  # nearest rank
        return cls(
            timedelta(seconds=statistics.median(seconds)), timedelta(seconds=seconds[rank - 1]), len(seconds)
        )


@dataclass(frozen=True)
class DeliveryFigures:
    since: datetime
    until: datetime
    releases: int
    """Every release started in the window, running ones included."""
    ended: int
    went_live: int
    failed_changes: int
    lead_time: Spread | None
    live_without_commit_time: int
    time_to_restore: Spread | None
    not_restored: int

    @property
    def days(self) -> float:
        return max((self.until - self.since) / DAY, 1 / 24)

    @property
    def per_day(self) -> float:
        return self.went_live / self.days

    @property
    def per_week(self) -> float:
        return self.per_day * 7

    @property
    def change_failure_rate(self) -> float | None:
        """Percent of the releases that went live; None when none did."""
        return 100.0 * self.failed_changes / self.went_live if self.went_live else None


def delivery_figures(releases: Iterable[ReleaseFacts], since: datetime, until: datetime) -> DeliveryFigures:
    window = [f for f in releases if f.created_at is None or since <= f.created_at <= until]
    ended = [f for f in window if f.outcome is not None]
    live = [f for f in ended if f.went_live]
    failed = [f for f in live if f.failed_change]
    restores = [f.time_to_restore for f in failed if f.time_to_restore is not None]
    return DeliveryFigures(
        since=since,
        until=until,
        releases=len(window),
        ended=len(ended),
        went_live=len(live),
        failed_changes=len(failed),
        lead_time=Spread.of(f.lead_time for f in live if f.lead_time is not None),
        live_without_commit_time=sum(f.lead_time is None for f in live),
        time_to_restore=Spread.of(restores),
        not_restored=len(failed) - len(restores),
    )
