"""Prepare: validate the input, read the active colour, take the lock, write the release record."""

from __future__ import annotations

from typing import Any

from bluegreen.adapters.alarms import unhealthy
from bluegreen.adapters.notify import Notification
from bluegreen.errors import AlarmFiringError
from bluegreen.metrics import release_metrics
from bluegreen.models import ReleaseContext, Waits, release_id_of
from bluegreen.release.input import validate_release_input
from bluegreen.release.records import record_fields
from bluegreen.release.trigger import resolve_trigger
from bluegreen.runtime import Runtime


def prepare(raw_input: Any, execution_arn: str, rt: Runtime) -> ReleaseContext:
    config = rt.config
    validated = validate_release_input(raw_input, config)  # before any AWS or Kubernetes call
    release = validated.input
    trigger = resolve_trigger(raw_input, release_id_of(execution_arn), release.triggered_by, rt)
    active = rt.colors.read()
    idle = active.color.other()
    # The alarms the approval, the pre-switch checks and the bake watch: one already firing would
    # only be noticed after a deploy and the smoke tests, and then hold the release until the
    # approval times out. Refuse now, naming it.
    firing = unhealthy(rt.alarms.states(config.watched_alarms(idle)))
    if firing:
        raise AlarmFiringError(firing)
    release_id = release_id_of(execution_arn)
    took_over = rt.releases.acquire_lock(
        config.app, config.environment, execution_arn, release_id, rt.execution_is_running
    )
    rt.releases.supersede_latest(config.app, config.environment, release_id)  # no rollback onto idle now
    context = ReleaseContext(
        release_id=release_id,
        execution_arn=execution_arn,
        app=config.app,
        environment=config.environment,
        version=release.version,
        triggered_by=release.triggered_by,
        change_ref=release.change_ref,
        commit_time=release.commit_time,
        manifests=release.manifests,
        active_color=active.color,
        idle_color=idle,
        active_namespace=config.namespaces.of(active.color),
        idle_namespace=config.namespaces.of(idle),
        parameter_name=config.parameter_name,
        parameter_version=active.version,
        services=validated.services,
        waits=Waits(
            rollout_poll_seconds=config.rollout.poll_seconds,
            gateway_poll_seconds=config.gateways.confirm_poll_seconds,
            bake_check_seconds=config.bake.check_interval_seconds,
            approval_timeout_seconds=config.approvals.timeout_seconds,
        ),
        started_at=rt.clock(),
    )
    rt.releases.create_record(
        release_id,
        {
            **record_fields(context),
            "trigger": trigger.model_dump(mode="json"),
            **({"took_over_lock_from": took_over} if took_over else {}),
        },
    )
    rt.releases.update_record(release_id, {}, step="prepared")
    release_metrics.release_started(rt, context)
    if took_over:
        from bluegreen.release.ended import ExecutionStatusChange, execution_ended

        execution_ended(
            ExecutionStatusChange(executionArn=took_over, status="ABORTED"),
            rt,
            reason=f"ended without recording an outcome; its lock was taken over by release {release_id}",
        )
    rt.notifier.notify(
        Notification(
            "release_started",
            release_id,
            f"{config.app}/{config.environment} {release.version}: deploying to {idle.value} "
            f"(live on {active.color.value}), triggered by {release.triggered_by}",
        )
    )
    return context
