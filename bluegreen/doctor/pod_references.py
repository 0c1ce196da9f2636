"""What a Deployment's pods need from their namespace, one entry per object: ServiceAccount,
ConfigMaps and Secrets, with every key the pods read by name.

A pod whose ConfigMap or Secret is missing never starts (CreateContainerConfigError, or a volume
that cannot mount), and one whose ServiceAccount is missing is never created: the rollout stalls
until its deadline. References marked `optional: true` do not stop a pod.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bluegreen.release import pod_references as references
from bluegreen.release.pod_references import CONFIG_MAP, SECRET, SERVICE_ACCOUNT

__all__ = ["CONFIG_MAP", "SECRET", "SERVICE_ACCOUNT", "PodReference", "pod_references"]


@dataclass(frozen=True)
class PodReference:
    kind: str
    name: str
    keys: frozenset[str]  # keys the pod reads by name (env valueFrom, volume items)
    optional: bool  # every use of it is optional
    used_by: frozenset[str]  # where the pod spec names it: "containers[payment].env[DB_PASSWORD]", ...


def pod_references(deployment: dict[str, Any]) -> list[PodReference]:
    """Every ServiceAccount, ConfigMap and Secret the Deployment's pod template names, by object."""
    spec = deployment.get("spec", {}).get("template", {}).get("spec", {}) or {}
    grouped: dict[tuple[str, str], list[references.PodReference]] = {}
    for reference in references.pod_references(spec):
        if reference.kind == SERVICE_ACCOUNT and reference.name == "default":
            continue  # every namespace has its "default" ServiceAccount
        grouped.setdefault((reference.kind, reference.name), []).append(reference)
    return [
        PodReference(
            kind,
            name,
            frozenset(use.key for use in uses if use.key),
            all(use.optional for use in uses),
            frozenset(use.field for use in uses),
        )
        for (kind, name), uses in sorted(grouped.items())
    ]
