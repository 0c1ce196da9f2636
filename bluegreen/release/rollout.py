"""A Deployment's rollout phase: a pure function of its spec and status, like kubectl rollout status."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

REASON_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"


class Phase(StrEnum):
    PROGRESSING = "Progressing"
    COMPLETE = "Complete"
    FAILED = "Failed"

    def finished(self) -> bool:
        return self is not Phase.PROGRESSING


def rollout_phase(deployment: dict[str, Any]) -> tuple[Phase, str]:
    """(phase, human reason). Complete means the controller saw the latest spec and every desired
    replica is updated and available, with no old replica left."""
    metadata = deployment.get("metadata", {})
    spec = deployment.get("spec", {})
    status = deployment.get("status") or {}
    generation = int(metadata.get("generation") or 0)
    observed = int(status.get("observedGeneration") or 0)
    desired = int(spec.get("replicas", 1))
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == REASON_DEADLINE_EXCEEDED:
            return Phase.FAILED, f"{REASON_DEADLINE_EXCEEDED}: {condition.get('message', '')}".rstrip(": ")
    if observed < generation:
        return Phase.PROGRESSING, f"waiting for the controller to observe generation {generation}"
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    total = int(status.get("replicas") or 0)
    if updated < desired:
        return Phase.PROGRESSING, f"{updated} of {desired} replicas updated"
    if total > updated:
        return Phase.PROGRESSING, f"{total - updated} old replica(s) pending termination"
    if available < updated:
        return Phase.PROGRESSING, f"{available} of {updated} updated replicas available"
    return Phase.COMPLETE, f"{available} of {desired} replicas updated and available"


def container_images(deployment: dict[str, Any]) -> dict[str, str]:
    containers = deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return {c["name"]: c.get("image", "") for c in containers}
