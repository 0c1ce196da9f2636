"""The hooks the release steps call, one line each: what an event means in metrics, emitted through
the Runtime's sink (EMF on stdout in Lambda). No hook reads anything: each is handed what its step
already has (the record as written comes back from the write itself).

Metrics never decide a release: a hook that fails logs a warning and returns.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec

from bluegreen.metrics.facts import ReleaseFacts, failure_ending_recorded
from bluegreen.metrics.names import Dim, Metric, Trigger
from bluegreen.metrics.points import MetricBatch, MetricPoint
from bluegreen.records import ReleaseRecord

if TYPE_CHECKING:
    from bluegreen.adapters.gateway_acks import GatewayAck
    from bluegreen.models import ReleaseContext
    from bluegreen.runtime import Runtime
    from bluegreen.smoke.report import SmokeReport

logger = logging.getLogger(__name__)
P = ParamSpec("P")


def never_fails(hook: Callable[P, None]) -> Callable[P, None]:
    @functools.wraps(hook)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            hook(*args, **kwargs)
        except Exception as exc:  # a metric is never worth a failed release
            logger.warning("metrics not emitted by %s: %s", hook.__name__, exc)

    return wrapped


def _emit(rt: Runtime, points: Iterable[MetricPoint], release_id: str | None = None) -> None:
    batch = tuple(points)
    if not batch:
        return
    metadata = {"release_id": release_id} if release_id else {}
    rt.metrics.emit(MetricBatch(rt.config.app, rt.config.environment, batch, metadata))


def _record(item: dict[str, Any] | None) -> ReleaseRecord | None:
    return ReleaseRecord.from_item(item) if item else None


@never_fails
def release_started(rt: Runtime, context: ReleaseContext) -> None:
    """Prepare took the lock: a release is under way."""
    _emit(rt, [MetricPoint(Metric.RELEASE_STARTED, 1)], context.release_id)


@never_fails
def release_ended(rt: Runtime, recorded: dict[str, Any] | None) -> None:
    """A workflow ending (Finish, RecordFailure, ExecutionEnded) was recorded: `recorded` is the
    record as the ending wrote it."""
    record = _record(recorded)
    if record is None or record.outcome is None:
        return
    facts = ReleaseFacts.of(record)
    points = [MetricPoint(Metric.RELEASE_ENDED, 1, {Dim.OUTCOME: record.outcome.value})]
    points += [
        MetricPoint(Metric.PHASE_DURATION, duration.total_seconds(), {Dim.PHASE: phase.value})
        for phase, duration in facts.phases.items()
    ]
    if facts.went_live:
        # 0 as well as 1: the change failure rate (a sum over a sum) then has data whenever releases
        # went live, and reads 0% rather than "no data" in a window without failures.
        points.append(MetricPoint(Metric.WENT_LIVE, 1))
        points.append(MetricPoint(Metric.CHANGE_FAILED, 1 if facts.failed_change else 0))
    if facts.lead_time is not None:
        points.append(MetricPoint(Metric.LEAD_TIME, facts.lead_time.total_seconds()))
    points += _rollback_points(facts)
    _emit(rt, points, record.release_id)


@never_fails
def rolled_back_after_release(
    rt: Runtime, recorded: dict[str, Any] | None, trigger: Trigger, before: dict[str, Any] | None = None
) -> None:
    """A finished release was rolled back (alarm, `bluegreen rollback`, or `--to` by hand).

    A release is a failed change once: `before` (the record before this rollback, when the step has
    it) says whether it already was; without it, the workflow's failure stamps say so (the rollback
    after the workflow happens at most once per release).
    """
    record = _record(recorded)
    if record is None:
        return
    facts = ReleaseFacts.of(record)
    earlier = _record(before)
    if earlier is not None:
        was = ReleaseFacts.of(earlier)
        already_failed, already_restored = was.failed_change, was.restored_at is not None
        already_flipped = was.rolled_back_at is not None
    else:
        already_failed, already_restored, already_flipped = failure_ending_recorded(record), False, False
    points = [MetricPoint(Metric.ROLLBACK_AFTER_RELEASE, 1, {Dim.TRIGGER: trigger.value})]
    if facts.failed_change and not already_failed:
        points.append(MetricPoint(Metric.CHANGE_FAILED, 1))
    if not already_flipped and facts.switch_to_rollback is not None:
        points.append(MetricPoint(Metric.SWITCH_TO_ROLLBACK, facts.switch_to_rollback.total_seconds()))
    if not already_restored and facts.time_to_restore is not None:
        points.append(MetricPoint(Metric.TIME_TO_RESTORE, facts.time_to_restore.total_seconds()))
    _emit(rt, points, record.release_id)


def _rollback_points(facts: ReleaseFacts) -> list[MetricPoint]:
    points: list[MetricPoint] = []
    if facts.switch_to_rollback is not None:
        points.append(MetricPoint(Metric.SWITCH_TO_ROLLBACK, facts.switch_to_rollback.total_seconds()))
    if facts.time_to_restore is not None:
        points.append(MetricPoint(Metric.TIME_TO_RESTORE, facts.time_to_restore.total_seconds()))
    return points


@never_fails
def gateways_confirmed(
    rt: Runtime, release_id: str, acks: list[GatewayAck], version: int, switched_at: datetime
) -> None:
    """Every live gateway serves the switch: how long each configured one took to apply it."""
    configured = set(rt.config.gateways.ids)
    points = [
        MetricPoint(
            Metric.GATEWAY_PROPAGATION,
            (ack.applied_at - switched_at).total_seconds(),
            {Dim.GATEWAY: ack.gateway_id},
        )
        for ack in acks
        if ack.gateway_id in configured
        and ack.applied_at is not None
        and ack.parameter_version is not None
        and ack.parameter_version >= version
        and ack.applied_at >= switched_at
    ]
    _emit(rt, points, release_id)


@never_fails
def smoke_ran(rt: Runtime, release_id: str, report: SmokeReport) -> None:
    """The smoke suite ran through preprod: each scenario's duration (passed or not)."""
    points = [
        MetricPoint(Metric.SMOKE_SCENARIO_DURATION, scenario.duration_ms, {Dim.SCENARIO: scenario.name})
        for scenario in report.scenarios
    ]
    _emit(rt, points, release_id)
