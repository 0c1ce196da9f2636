"""Why a Deployment's new pods would not start: what the ServiceAccount admission plugin and the
kubelet check before a container runs.

- The pod's ServiceAccount (``serviceAccountName``, default ``default``) must exist, or the
  ReplicaSet cannot create pods at all (``FailedCreate``).
- ConfigMaps and Secrets named by ``env[].valueFrom`` (with their key) and ``envFrom`` must exist,
  or the container waits in ``CreateContainerConfigError``.
- ConfigMaps and Secrets mounted as volumes, directly or in a projected volume (with the keys their
  ``items`` name), must exist, or the pod waits in ``ContainerCreating`` (``FailedMount``).
- A reference marked ``optional: true`` never blocks.
- An ``imagePullSecrets`` entry that is missing: the kubelet pulls without it. This fake takes the
  registry to be private, so the pull fails (``ErrImagePull``); a public image would start.

This module models the cluster on its own; the release's own check
(``bluegreen.release.pod_references``) is separate code on purpose, so a mistake in one is caught
by the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]
Lookup = Callable[[str, str], Obj | None]
"""(kind, name) -> the object in the pod's namespace, or None."""

FAILED_CREATE = "FailedCreate"
CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
FAILED_MOUNT = "FailedMount"
ERR_IMAGE_PULL = "ErrImagePull"


@dataclass(frozen=True)
class PodProblem:
    reason: str  # one of the constants above
    message: str

    @property
    def pods_created(self) -> bool:
        """False when admission refuses the pods themselves (they never exist)."""
        return self.reason != FAILED_CREATE


def pod_problem(namespace: str, replica_set: str, pod_spec: Obj, lookup: Lookup) -> PodProblem | None:
    """The first reason the pods of this template would not become ready, or None."""
    account = str(pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount") or "default")
    if lookup("ServiceAccount", account) is None:
        return PodProblem(
            FAILED_CREATE,
            f'pods "{replica_set}-" is forbidden: error looking up service account '
            f'{namespace}/{account}: serviceaccount "{account}" not found',
        )
    for problem in _container_problems(namespace, pod_spec, lookup):
        return problem
    for problem in _volume_problems(namespace, pod_spec, lookup):
        return problem
    for secret in pod_spec.get("imagePullSecrets") or []:
        name = str((secret or {}).get("name", ""))
        if name and lookup("Secret", name) is None:
            return PodProblem(
                ERR_IMAGE_PULL,
                f'image pull secret "{name}" not found in {namespace}: pull access denied (private registry)',
            )
    return None


def _containers(pod_spec: Obj) -> list[Obj]:
    return [c for c in (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or []) if c]


def _container_problems(namespace: str, pod_spec: Obj, lookup: Lookup) -> Iterator[PodProblem]:
    for container in _containers(pod_spec):
        for source in container.get("envFrom") or []:
            for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                ref = source.get(field)
                if ref and not ref.get("optional") and lookup(kind, str(ref.get("name", ""))) is None:
                    yield _config_error(kind, str(ref.get("name", "")))
        for env in container.get("env") or []:
            value_from = env.get("valueFrom") or {}
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = value_from.get(field)
                if not ref or ref.get("optional"):
                    continue
                name, key = str(ref.get("name", "")), str(ref.get("key", ""))
                obj = lookup(kind, name)
                if obj is None:
                    yield _config_error(kind, name)
                elif key not in _keys(obj):
                    yield PodProblem(
                        CREATE_CONTAINER_CONFIG_ERROR, f"couldn't find key {key} in {kind} {namespace}/{name}"
                    )


def _config_error(kind: str, name: str) -> PodProblem:
    return PodProblem(CREATE_CONTAINER_CONFIG_ERROR, f'{kind.lower()} "{name}" not found')


def _volume_problems(namespace: str, pod_spec: Obj, lookup: Lookup) -> Iterator[PodProblem]:
    for volume in pod_spec.get("volumes") or []:
        sources: list[tuple[str, Obj]] = []
        if volume.get("configMap"):
            sources.append(("ConfigMap", volume["configMap"]))
        if volume.get("secret"):
            sources.append(("Secret", {**volume["secret"], "name": volume["secret"].get("secretName")}))
        for projected in (volume.get("projected") or {}).get("sources") or []:
            for field, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                if projected.get(field):
                    sources.append((kind, projected[field]))
        for kind, ref in sources:
            if ref.get("optional"):
                continue
            name = str(ref.get("name", ""))
            obj = lookup(kind, name)
            volume_name = volume.get("name", "")
            if obj is None:
                missing = f'{kind.lower()} "{name}" not found'
                yield PodProblem(
                    FAILED_MOUNT, f'MountVolume.SetUp failed for volume "{volume_name}" : {missing}'
                )
                continue
            for item in ref.get("items") or []:
                if item.get("key") not in _keys(obj):
                    yield PodProblem(
                        FAILED_MOUNT,
                        f'MountVolume.SetUp failed for volume "{volume_name}" : configmap references '
                        f"non-existent config key: {item.get('key')}",
                    )


def _keys(obj: Obj) -> set[str]:
    keys = set((obj.get("data") or {}).keys()) | set((obj.get("binaryData") or {}).keys())
    return keys | set((obj.get("stringData") or {}).keys())
