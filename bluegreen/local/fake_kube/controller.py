"""What the deployment controller would write to a Deployment's status; tests decide when it happens.

There is no real controller: a rollout completes, stalls or waits (``manual``) according to the mode
chosen per server (``auto_complete``) or per deployment (``set_rollout_mode``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class RolloutMode(StrEnum):
    COMPLETE = "complete"  # pods come up at once: the rollout finishes on every spec change
    STALL = "stall"  # the new pods never become ready: ProgressDeadlineExceeded
    MANUAL = "manual"  # nothing happens until a test calls complete_rollout / stall_rollout


REASON_MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
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
