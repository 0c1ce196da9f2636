"""What may have changed under a release since it looked: the active colour, and the idle
Deployments that were deployed, smoke-tested and approved. One spelling of each check, for the
pre-switch checks, the switch and the approval's re-check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.models import ReleaseContext
from bluegreen.release.rollout import container_images


def colour_moved(context: ReleaseContext, current: ActiveColor) -> str | None:
    """Why the parameter no longer says what it said when the release started, or None."""
    if current.color == context.active_color and current.version == context.parameter_version:
        return None
    return (
        f"the active colour changed since the release started: {context.active_color.value} "
        f"v{context.parameter_version} -> {current.color.value} v{current.version}"
    )


@dataclass(frozen=True)
class IdleDeployment:
    """A Deployment in the idle namespace as it was when the release looked at it."""

    deployment: str
    generation: int
    images: Mapping[str, str]


def idle_drift(
    namespace: str,
    expected: Mapping[str, IdleDeployment],
    current: Mapping[str, dict[str, Any] | None],
    since: str,
) -> list[str]:
    """Each service whose idle Deployment (as read now: `current`, by service) vanished, or changed
    generation or images, `since` ..."""
    problems: list[str] = []
    for service, before in sorted(expected.items()):
        now = current.get(service)
        if now is None:
            problems.append(f"{service} vanished from {namespace} since {since}")
            continue
        generation = int(now.get("metadata", {}).get("generation") or 0)
        if generation != before.generation or container_images(now) != dict(before.images):
            problems.append(f"{service} changed in {namespace} since {since}")
    return problems
