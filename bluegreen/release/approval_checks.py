"""What an approval re-checks: the watched alarms, and the idle Deployments against the snapshot
taken when approval was requested (generation and images per service)."""

from __future__ import annotations

from typing import Any

from bluegreen.adapters.alarms import unhealthy
from bluegreen.colors import Color
from bluegreen.models import ReleaseContext
from bluegreen.records import PendingApproval
from bluegreen.release.rollout import container_images
from bluegreen.runtime import Runtime


def idle_snapshot(context: ReleaseContext, rt: Runtime) -> dict[str, dict[str, Any]]:
    """service -> deployment, generation and container images in the idle namespace, right now."""
    deployments = rt.deployments()
    snapshot: dict[str, dict[str, Any]] = {}
    for service in context.services:
        current = deployments.read(context.idle_namespace, service.deployment)
        snapshot[service.name] = {
            "deployment": service.deployment,
            "generation": int((current or {}).get("metadata", {}).get("generation") or 0),
            "images": container_images(current) if current else {},
        }
    return snapshot


def watched_states(context: ReleaseContext, rt: Runtime) -> dict[str, str]:
    config = rt.config
    watched = config.alarms.rollback_alarm_names(config.app, config.environment, context.idle_color)
    return rt.alarms.states(watched) if watched else {}


def approval_problems(pending: PendingApproval, rt: Runtime) -> list[str]:
    """Why approving now would be wrong: a watched alarm fires, or idle changed since the request."""
    config = rt.config
    idle = next((c for c in Color if config.namespaces.of(c) == pending.idle_namespace), None)
    watched = (
        config.alarms.rollback_alarm_names(config.app, config.environment, idle)
        if idle
        else config.alarms.names
    )
    problems = [
        f"alarm {name} is {state}" for name, state in sorted(unhealthy(rt.alarms.states(watched)).items())
    ]
    namespace = pending.idle_namespace
    if not namespace:
        return problems
    deployments = rt.deployments()
    for service, before in sorted(pending.idle_snapshot.items()):
        current = deployments.read(namespace, str(before["deployment"]))
        if current is None:
            problems.append(f"{service} vanished from {namespace} since approval was requested")
            continue
        generation = int(current.get("metadata", {}).get("generation") or 0)
        if generation != int(before["generation"]) or container_images(current) != before["images"]:
            problems.append(f"{service} changed in {namespace} since approval was requested")
    return problems
