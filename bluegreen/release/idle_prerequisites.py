"""Before DeployToIdle writes anything: does the idle namespace have what the new pods need?

A release copies Deployments, never ServiceAccounts, ConfigMaps or Secrets. A pod template that
names one the idle namespace lacks would never start there (the ReplicaSet cannot create pods, or
the containers wait in CreateContainerConfigError or ContainerCreating) and the release would stall
until its rollout timeout. So the release is refused at once, naming each missing object, where
the pods reference it, and whether the live namespace has it. Why refuse rather than copy:
docs/decision_log.md. An optional reference never blocks a pod; one the live namespace has and the
idle one lacks is reported as a warning (the idle pods would run without it).

Which pod template a service will run: the release's manifest for that Deployment if it brings
one, else the idle Deployment as it is (DeployToIdle changes only its images and replicas), else
the live one (which DeployToIdle copies). Objects the manifests bring count as present.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bluegreen.models import ReleaseContext
from bluegreen.ports import Workloads
from bluegreen.release.pod_references import pod_references


class ObjectLookup(Protocol):
    def exists(self, kind: str, namespace: str, name: str) -> bool: ...


@dataclass(frozen=True)
class MissingObject:
    kind: str
    name: str
    deployment: str
    fields: tuple[str, ...]
    in_live: bool
    optional: bool

    def describe(self, live_namespace: str) -> str:
        where = "missing there too" if not self.in_live else "exists there"
        return f"{self.kind} {self.name} ({', '.join(self.fields)}; {live_namespace}: {where})"

    def as_record(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "deployment": self.deployment,
            "fields": list(self.fields),
            "in_live": self.in_live,
            "optional": self.optional,
        }


@dataclass
class PrerequisitesReport:
    missing: dict[str, list[MissingObject]] = field(default_factory=dict)  # by service: blocks its pods
    optional_missing: list[MissingObject] = field(default_factory=list)  # live has it, idle does not

    def failures(self, idle_namespace: str, live_namespace: str) -> dict[str, str]:
        """One message per service, for DeployError."""
        return {
            service: (
                f"namespace {idle_namespace} lacks what the pods of Deployment {objects[0].deployment} need: "
                + "; ".join(o.describe(live_namespace) for o in objects)
                + f". Create them in {idle_namespace} (a release copies Deployments only), then release again"
            )
            for service, objects in self.missing.items()
        }

    def warnings(self, idle_namespace: str, live_namespace: str) -> list[str]:
        return [
            f"Deployment {o.deployment} in {idle_namespace} starts without the optional "
            + o.describe(live_namespace)
            for o in self.optional_missing
        ]


def _pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    spec = deployment.get("spec", {}).get("template", {}).get("spec")
    return spec if isinstance(spec, dict) else {}


def idle_pod_templates(
    context: ReleaseContext, deployments: Workloads, manifests: Sequence[dict[str, Any]]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Service (or a manifest's own Deployment) -> (Deployment name, the pod spec it will run in idle)."""
    brought = {str(m.get("metadata", {}).get("name")): m for m in manifests if m.get("kind") == "Deployment"}
    templates: dict[str, tuple[str, dict[str, Any]]] = {}
    for plan in context.services:
        manifest = brought.pop(plan.deployment, None)
        source = manifest or deployments.read(context.idle_namespace, plan.deployment)
        source = source or deployments.read(context.active_namespace, plan.deployment)
        if source is not None:  # a Deployment missing everywhere is DeployToIdle's own error
            templates[plan.name] = (plan.deployment, _pod_spec(source))
    for name, manifest in brought.items():
        templates[name] = (name, _pod_spec(manifest))
    return templates


def check_idle_prerequisites(
    context: ReleaseContext,
    deployments: Workloads,
    objects: ObjectLookup,
    manifests: Sequence[dict[str, Any]] = (),
) -> PrerequisitesReport:
    provided = {(m.get("kind"), m.get("metadata", {}).get("name")) for m in manifests}
    known: dict[tuple[str, str, str], bool] = {}

    def exists(kind: str, namespace: str, name: str) -> bool:
        if (kind, namespace, name) not in known:
            known[(kind, namespace, name)] = objects.exists(kind, namespace, name)
        return known[(kind, namespace, name)]

    report = PrerequisitesReport()
    for service, (deployment, pod_spec) in idle_pod_templates(context, deployments, manifests).items():
        grouped: dict[tuple[str, str], list[tuple[str, bool]]] = {}
        for ref in pod_references(pod_spec):
            grouped.setdefault((ref.kind, ref.name), []).append((ref.field, ref.optional))
        for (kind, name), uses in grouped.items():
            if (kind, name) in provided or exists(kind, context.idle_namespace, name):
                continue
            optional = all(is_optional for _, is_optional in uses)
            in_live = exists(kind, context.active_namespace, name)
            missing = MissingObject(kind, name, deployment, tuple(f for f, _ in uses), in_live, optional)
            if not optional:
                report.missing.setdefault(service, []).append(missing)
            elif in_live:
                report.optional_missing.append(missing)
    return report
