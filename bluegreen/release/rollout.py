"""A Deployment's rollout phase: a pure function of its spec and status, as `kubectl rollout status`.

kubectl (polymorphichelpers/rollout_status.go) reads the conditions and replica counts only once
`status.observedGeneration >= metadata.generation`: until the deployment controller has seen the
latest spec, the status still describes the previous one, and a ProgressDeadlineExceeded there
belongs to the previous rollout.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

REASON_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"
REASON_WAITING_FOR_CONTROLLER = "waiting for the deployment controller to observe generation {generation}"


class Phase(StrEnum):
    PROGRESSING = "Progressing"
    COMPLETE = "Complete"
    FAILED = "Failed"

    def finished(self) -> bool:
        return self is not Phase.PROGRESSING


def _condition(status: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == kind), None)


def rollout_phase(deployment: dict[str, Any]) -> tuple[Phase, str]:
    """(phase, human reason). Complete means the controller saw the latest spec and every desired
    replica is updated and available, with no old replica left."""
    metadata = deployment.get("metadata", {})
    spec = deployment.get("spec", {})
    status = deployment.get("status") or {}
    generation = int(metadata.get("generation") or 0)
    observed = int(status.get("observedGeneration") or 0)
    if observed < generation:
        return Phase.PROGRESSING, REASON_WAITING_FOR_CONTROLLER.format(generation=generation)
    progressing = _condition(status, "Progressing")
    if progressing is not None and progressing.get("reason") == REASON_DEADLINE_EXCEEDED:
        return Phase.FAILED, f"{REASON_DEADLINE_EXCEEDED}: {progressing.get('message', '')}".rstrip(": ")
    desired = int(spec.get("replicas", 1))
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    total = int(status.get("replicas") or 0)
    if updated < desired:
        return Phase.PROGRESSING, f"{updated} of {desired} replicas updated" + _replica_failure(status)
    if total > updated:
        return Phase.PROGRESSING, f"{total - updated} old replica(s) pending termination"
    if available < updated:
        return Phase.PROGRESSING, f"{available} of {updated} updated replicas available"
    return Phase.COMPLETE, f"{available} of {desired} replicas updated and available"


def _replica_failure(status: dict[str, Any]) -> str:
    """Why the ReplicaSet cannot create pods (a missing ServiceAccount, a quota), when it says so."""
    failure = _condition(status, "ReplicaFailure")
    if failure is None or failure.get("status") != "True":
        return ""
    text = ": ".join(str(part) for part in (failure.get("reason"), failure.get("message")) if part)
    return f" ({text or 'ReplicaFailure'})"


def container_images(deployment: dict[str, Any]) -> dict[str, str]:
    containers = deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return {c["name"]: c.get("image", "") for c in containers}
