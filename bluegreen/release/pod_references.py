"""What a pod template names in its own namespace: ServiceAccount, ConfigMaps and Secrets.

A pure function of the pod spec. The places Kubernetes reads them from: ``serviceAccountName``
(``default`` when unset), ``imagePullSecrets``, ``env[].valueFrom`` (configMapKeyRef,
secretKeyRef), ``envFrom`` (configMapRef, secretRef), and volumes (``configMap``, ``secret``,
and the ``configMap``/``secret`` sources of a ``projected`` volume), in containers and init
containers. ``optional: true`` is kept: such a reference never stops a pod from starting.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SERVICE_ACCOUNT = "ServiceAccount"
CONFIG_MAP = "ConfigMap"
SECRET = "Secret"  # noqa: S105 - a kind, not a password


@dataclass(frozen=True)
class PodReference:
    kind: str  # SERVICE_ACCOUNT, CONFIG_MAP or SECRET
    name: str
    field: str  # where the pod spec names it, e.g. "containers[payment].env[DB_PASSWORD]"
    optional: bool = False


def pod_references(pod_spec: dict[str, Any]) -> list[PodReference]:
    """Every reference of the pod spec, in the order the spec names them (duplicates kept)."""
    account = pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount")
    references = [
        PodReference(
            SERVICE_ACCOUNT, str(account or "default"), "serviceAccountName" if account else "(default)"
        )
    ]
    for index, secret in enumerate(pod_spec.get("imagePullSecrets") or []):
        if isinstance(secret, dict) and secret.get("name"):
            references.append(PodReference(SECRET, str(secret["name"]), f"imagePullSecrets[{index}]"))
    for group in ("initContainers", "containers"):
        for container in pod_spec.get(group) or []:
            if isinstance(container, dict):
                references.extend(_container_references(f"{group}[{container.get('name', '?')}]", container))
    for volume in pod_spec.get("volumes") or []:
        if isinstance(volume, dict):
            references.extend(_volume_references(volume))
    return references


def _ref(kind: str, ref: Any, field: str, name_key: str = "name") -> Iterator[PodReference]:
    if isinstance(ref, dict) and ref.get(name_key):
        yield PodReference(kind, str(ref[name_key]), field, bool(ref.get("optional")))


def _container_references(where: str, container: dict[str, Any]) -> Iterator[PodReference]:
    for env in container.get("env") or []:
        value_from = (env or {}).get("valueFrom") or {}
        field = f"{where}.env[{env.get('name', '?')}]"
        yield from _ref(CONFIG_MAP, value_from.get("configMapKeyRef"), field)
        yield from _ref(SECRET, value_from.get("secretKeyRef"), field)
    for index, source in enumerate(container.get("envFrom") or []):
        field = f"{where}.envFrom[{index}]"
        yield from _ref(CONFIG_MAP, (source or {}).get("configMapRef"), field)
        yield from _ref(SECRET, (source or {}).get("secretRef"), field)


def _volume_references(volume: dict[str, Any]) -> Iterator[PodReference]:
    field = f"volumes[{volume.get('name', '?')}]"
    yield from _ref(CONFIG_MAP, volume.get("configMap"), field)
    yield from _ref(SECRET, volume.get("secret"), field, name_key="secretName")
    for source in (volume.get("projected") or {}).get("sources") or []:
        yield from _ref(CONFIG_MAP, (source or {}).get("configMap"), f"{field}.projected")
        yield from _ref(SECRET, (source or {}).get("secret"), f"{field}.projected")
