"""What the deployment controller would write to a Deployment's status, and when.

There is no real controller: a rollout completes, stalls or waits (``manual``) according to the mode
chosen per server (``auto_complete``) or per deployment (``set_rollout_mode``); a completing rollout
whose pods could not start (``kubelet.pod_problem``) stays progressing instead. ``ControllerLoop``
says when the status is written: after a lag counted in reads.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bluegreen.local.fake_kube.kubelet import PodProblem


class RolloutMode(StrEnum):
    COMPLETE = "complete"  # pods come up at once: the rollout finishes on every spec change
    STALL = "stall"  # the new pods never become ready: ProgressDeadlineExceeded
    MANUAL = "manual"  # nothing happens until a test calls complete_rollout / stall_rollout


REASON_MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
REASON_MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"
REASON_NEW_REPLICA_SET_AVAILABLE = "NewReplicaSetAvailable"
REASON_REPLICA_SET_UPDATED = "ReplicaSetUpdated"
REASON_PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"

_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of Kubernetes' pod-template-hash


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def replica_set_name(deployment: dict[str, Any]) -> str:
    """``<deployment>-<hash of the pod template>``: a new name for every template, like the real one."""
    template = json.dumps(deployment.get("spec", {}).get("template", {}), sort_keys=True).encode()
    digest = int.from_bytes(hashlib.sha256(template).digest()[:8], "big")
    suffix = ""
    for _ in range(10):
        digest, remainder = divmod(digest, len(_HASH_ALPHABET))
        suffix += _HASH_ALPHABET[remainder]
    return f"{deployment['metadata']['name']}-{suffix}"


def _condition(kind: str, status: bool, reason: str, message: str, at: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True" if status else "False",
        "reason": reason,
        "message": message,
        "lastUpdateTime": at,
        "lastTransitionTime": at,
    }


def completed_status(deployment: dict[str, Any]) -> dict[str, Any]:
    """All desired replicas updated, ready and available at the current generation."""
    desired = int(deployment["spec"].get("replicas", 1))
    at = now()
    replica_set = replica_set_name(deployment)
    return {
        "observedGeneration": deployment["metadata"]["generation"],
        "replicas": desired,
        "updatedReplicas": desired,
        "readyReplicas": desired,
        "availableReplicas": desired,
        "conditions": [
            _condition(
                "Available",
                True,
                REASON_MINIMUM_REPLICAS_AVAILABLE,
                "Deployment has minimum availability.",
                at,
            ),
            _condition(
                "Progressing",
                True,
                REASON_NEW_REPLICA_SET_AVAILABLE,
                f'ReplicaSet "{replica_set}" has successfully progressed.',
                at,
            ),
        ],
    }


def stalled_status(deployment: dict[str, Any], *, deadline_exceeded: bool) -> dict[str, Any]:
    """A new pod that never becomes ready next to the old ones; past the progress deadline if asked."""
    desired = int(deployment["spec"].get("replicas", 1))
    at = now()
    replica_set = replica_set_name(deployment)
    if deadline_exceeded:
        progressing = _condition(
            "Progressing",
            False,
            REASON_PROGRESS_DEADLINE_EXCEEDED,
            f'ReplicaSet "{replica_set}" has timed out progressing.',
            at,
        )
    else:
        progressing = _condition(
            "Progressing", True, REASON_REPLICA_SET_UPDATED, f'ReplicaSet "{replica_set}" is progressing.', at
        )
    # The old pods keep serving (maxUnavailable rounds down to 0); the one surge pod never gets ready.
    return {
        "observedGeneration": deployment["metadata"]["generation"],
        "replicas": desired + 1,
        "updatedReplicas": 1,
        "readyReplicas": desired,
        "availableReplicas": desired,
        "unavailableReplicas": 1,
        "conditions": [
            _condition(
                "Available",
                True,
                REASON_MINIMUM_REPLICAS_AVAILABLE,
                "Deployment has minimum availability.",
                at,
            ),
            progressing,
        ],
    }


def blocked_status(deployment: dict[str, Any], problem: PodProblem) -> dict[str, Any]:
    """The controller saw the new spec, but its pods cannot start (see ``kubelet.pod_problem``).

    The old pods keep serving when there are any; a Deployment that never ran has none available.
    When admission refuses the pods themselves, the new ReplicaSet stays at zero and the
    controller copies its ``ReplicaFailure`` condition onto the Deployment.
    """
    desired = int(deployment["spec"].get("replicas", 1))
    previous = deployment.get("status") or {}
    old_pods = int(previous.get("availableReplicas") or 0)
    at = now()
    replica_set = replica_set_name(deployment)
    new_pods = (1 if old_pods else desired) if problem.pods_created else 0
    status: dict[str, Any] = {
        "observedGeneration": deployment["metadata"]["generation"],
        "replicas": old_pods + new_pods,
        "updatedReplicas": new_pods,
        "readyReplicas": old_pods,
        "availableReplicas": old_pods,
    }
    if new_pods:  # replicas - available, omitted when 0 as the controller does
        status["unavailableReplicas"] = new_pods
    available = (
        _condition(
            "Available", True, REASON_MINIMUM_REPLICAS_AVAILABLE, "Deployment has minimum availability.", at
        )
        if old_pods
        else _condition(
            "Available",
            False,
            REASON_MINIMUM_REPLICAS_UNAVAILABLE,
            "Deployment does not have minimum availability.",
            at,
        )
    )
    progressing = _condition(
        "Progressing", True, REASON_REPLICA_SET_UPDATED, f'ReplicaSet "{replica_set}" is progressing.', at
    )
    status["conditions"] = [available, progressing]
    if not problem.pods_created:
        status["conditions"].append(_condition("ReplicaFailure", True, problem.reason, problem.message, at))
    return status


class ControllerLoop:
    """When the deployment controller catches up with a spec change: after ``lag`` reads of it.

    A real controller writes the status some time after the write that changed the spec, so a
    client that reads right away sees ``observedGeneration < generation`` and the previous
    rollout's conditions. Here the lag is counted in client reads of that Deployment (GET, list,
    /status, /scale), not in seconds: deterministic under any load, no sleeping, and the same
    whether the reader runs on real or virtual time. ``lag=0`` writes the status with the change.
    """

    def __init__(self, lag: int = 0) -> None:
        self.lag = lag
        self._due: dict[tuple[str, str], int] = {}
        self.blocked: set[tuple[str, str]] = set()

    def schedule(self, namespace: str, name: str) -> bool:
        """A spec change (or a fix to what blocked its pods): True when the controller acts at once."""
        if self.lag <= 0:
            return True
        self._due[(namespace, name)] = self.lag
        return False

    def observed(self, namespace: str, name: str) -> bool:
        """A client read this Deployment (after the response was taken): True when the controller acts now."""
        remaining = self._due.get((namespace, name))
        if remaining is None:
            return False
        if remaining <= 1:
            del self._due[(namespace, name)]
            return True
        self._due[(namespace, name)] = remaining - 1
        return False

    def forget(self, namespace: str, name: str) -> None:
        self._due.pop((namespace, name), None)

    def reset(self) -> None:
        self._due.clear()
        self.blocked.clear()
