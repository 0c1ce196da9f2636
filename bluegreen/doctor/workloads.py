"""Both namespaces, each service's Deployment, and what their pods reference in each namespace.

The idle namespace gets the live Deployment's spec when it has none of its own (Deploy creates it),
and keeps its own pod spec otherwise (Deploy patches images and replicas only): what must exist in
each namespace follows from that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from kubernetes import client as k8s

from bluegreen.colors import Color
from bluegreen.doctor.checks import Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.pod_references import CONFIG_MAP, SECRET, SERVICE_ACCOUNT, PodReference, pod_references
from bluegreen.doctor.result import Group, fail, ok, warn
from bluegreen.release.rollout import container_images

G = Group.KUBERNETES


@dataclass
class Workloads:
    """What the images check needs: the images each service's pods run in the live colour."""

    live: Color | None
    live_images: dict[str, str] = field(default_factory=dict)  # service -> its container's image
    sidecar_images: dict[str, list[str]] = field(default_factory=dict)  # service -> the other containers'


class ObjectReader(Protocol):
    def referenced(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None: ...


class ClusterReader:
    """Reads through the official client, as plain dicts; None for 404."""

    def __init__(self, api_client: k8s.ApiClient) -> None:
        self._api_client = api_client
        self._core = k8s.CoreV1Api(api_client)
        self._apps = k8s.AppsV1Api(api_client)

    def _plain(self, call: Any, *args: str) -> dict[str, Any] | None:
        try:
            obj = call(*args)
        except k8s.ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return dict(self._api_client.sanitize_for_serialization(obj))  # type: ignore[no-untyped-call]

    def namespace(self, name: str) -> dict[str, Any] | None:
        return self._plain(self._core.read_namespace, name)

    def deployment(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self._plain(self._apps.read_namespaced_deployment, name, namespace)

    def referenced(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        read = {
            SERVICE_ACCOUNT: self._core.read_namespaced_service_account,
            CONFIG_MAP: self._core.read_namespaced_config_map,
            SECRET: self._core.read_namespaced_secret,
        }[kind]
        return self._plain(read, name, namespace)


def check_workloads(env: DoctorEnv, live: Color | None, checks: Checks) -> Workloads:
    workloads = Workloads(live=live)
    with checks.guard(G, "kubernetes API"):
        reader = ClusterReader(env.kube())
        present = {color: _check_namespace(env, reader, color, checks) for color in Color}
        deployments = {
            color: _read_deployments(env, reader, color) if present[color] else {} for color in Color
        }
        colors = [live, live.other()] if live else list(Color)
        for color in colors:
            if present[color]:
                _check_deployments(env, color, live, deployments, workloads, checks)
        for color in colors:
            if present[color]:
                check_references(env, reader, color, live, deployments, checks)
    return workloads


def _check_namespace(env: DoctorEnv, reader: ClusterReader, color: Color, checks: Checks) -> bool:
    name = env.config.namespaces.of(color)
    found = reader.namespace(name)
    if found is None:
        checks.add(
            fail(
                G,
                f"namespace {name}",
                f"does not exist ({color} colour)",
                f"`kubectl create namespace {name}`, with its ingress/ALB as the other colour's",
            )
        )
        return False
    phase = (found.get("status") or {}).get("phase", "Active")
    if phase != "Active":
        checks.add(fail(G, f"namespace {name}", f"is {phase}", "recreate it once it is gone"))
        return False
    checks.add(ok(G, f"namespace {name}", f"{color} colour, {phase}"))
    return True


def _read_deployments(
    env: DoctorEnv, reader: ClusterReader, color: Color
) -> dict[str, dict[str, Any] | None]:
    namespace = env.config.namespaces.of(color)
    return {s.name: reader.deployment(namespace, s.deployment_name) for s in env.config.services}


def _check_deployments(
    env: DoctorEnv,
    color: Color,
    live: Color | None,
    deployments: dict[Color, dict[str, dict[str, Any] | None]],
    workloads: Workloads,
    checks: Checks,
) -> None:
    namespace = env.config.namespaces.of(color)
    role = "live" if color is live else ("idle" if live else color.value)
    for service in env.config.services:
        check = f"deployment {namespace}/{service.deployment_name}"
        deployment = deployments[color].get(service.name)
        if deployment is None:
            if live is not None and color is not live:
                checks.add(ok(G, check, "not there yet: the next release creates it from the live colour"))
            else:
                checks.add(
                    fail(
                        G,
                        check,
                        f"does not exist in the {role} namespace: the release has nothing to copy",
                        f"deploy {service.name} to {namespace} first, or fix services[].deployment in "
                        "the config",
                    )
                )
            continue
        images = container_images(deployment)
        image = images.get(service.container_name)
        if image is None:
            checks.add(
                fail(
                    G,
                    check,
                    f"has no container {service.container_name} (has {', '.join(sorted(images)) or 'none'})",
                    "fix services[].container in the config",
                )
            )
            continue
        if color is live:
            workloads.live_images[service.name] = image
            workloads.sidecar_images[service.name] = sorted(
                {i for name, i in images.items() if name != service.container_name}
            )
        desired = int((deployment.get("spec") or {}).get("replicas", 1))
        available = int((deployment.get("status") or {}).get("availableReplicas") or 0)
        detail = f"{role}, {image}, {available}/{desired} available"
        if color is live and available < desired:
            checks.add(
                warn(
                    G,
                    check,
                    detail,
                    "the release copies the live colour: look at why its pods are not all available "
                    f"(`kubectl -n {namespace} describe deployment {service.deployment_name}`)",
                )
            )
        else:
            checks.add(ok(G, check, detail))


def check_references(
    env: DoctorEnv,
    reader: ObjectReader,
    color: Color,
    live: Color | None,
    deployments: dict[Color, dict[str, dict[str, Any] | None]],
    checks: Checks,
) -> None:
    """Every object the pods of `color` will reference exists there, with the keys they read."""
    namespace = env.config.namespaces.of(color)
    needed: dict[tuple[str, str], tuple[PodReference, list[str]]] = {}
    for service in env.config.services:
        own = deployments[color].get(service.name)
        source = own if own is not None else (deployments[live].get(service.name) if live else None)
        if source is None:
            continue
        for reference in pod_references(source):
            if reference.optional:
                continue
            key = (reference.kind, reference.name)
            previous, services = needed.get(key, (reference, []))
            merged = PodReference(
                reference.kind,
                reference.name,
                previous.keys | reference.keys,
                False,
                previous.used_by | reference.used_by,
            )
            needed[key] = (merged, [*services, service.deployment_name])
    problems = 0
    for _, (reference, users) in sorted(needed.items()):
        problems += check_reference(reader, namespace, live, color, env, reference, users, checks)
    if needed and not problems:
        checks.add(
            ok(G, f"references in {namespace}", f"{len(needed)} ServiceAccount/ConfigMap/Secret(s) present")
        )


def check_reference(
    reader: ObjectReader,
    namespace: str,
    live: Color | None,
    color: Color,
    env: DoctorEnv,
    reference: PodReference,
    users: list[str],
    checks: Checks,
) -> int:
    check = f"{reference.kind.lower()} {namespace}/{reference.name}"
    by = f"referenced by Deployment {', '.join(sorted(set(users)))}"
    try:
        found = reader.referenced(reference.kind, namespace, reference.name)
    except k8s.ApiException as exc:
        if exc.status != 403 or reference.kind != SECRET:
            raise
        checks.add(
            warn(
                G,
                check,
                f"not checked, {by}: your identity may not read Secrets here (View excludes them)",
                f"check by hand (`kubectl -n {namespace} get secret {reference.name}`), or run doctor "
                "with `get` on secrets in both namespaces",
            )
        )
        return 0
    other = env.config.namespaces.of(live) if live and color is not live else None
    copy = (
        f"copy it from {other}: `kubectl get {reference.kind.lower()} {reference.name} -n {other} -o yaml`"
        " without its namespace, uid and resourceVersion, then `kubectl apply -n " + namespace + " -f -`"
        if other
        else f"create it in {namespace}"
    )
    if found is None:
        checks.add(fail(G, check, f"missing, {by}: the pods would never start", copy))
        return 1
    if reference.keys:
        present = set((found.get("data") or {}).keys()) | set((found.get("binaryData") or {}).keys())
        absent = sorted(reference.keys - present)
        if absent:
            checks.add(
                fail(
                    G,
                    check,
                    f"lacks key(s) {', '.join(absent)}, {by}: the containers would not start",
                    f"add the key(s) to {namespace}/{reference.name}" + (f", as in {other}" if other else ""),
                )
            )
            return 1
    return 0
