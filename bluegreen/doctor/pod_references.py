"""What a Deployment's pods need from their namespace: ServiceAccount, ConfigMaps and Secrets.

A pod whose ConfigMap or Secret is missing never starts (CreateContainerConfigError, or a volume
that cannot mount), and one whose ServiceAccount is missing is never created: the rollout stalls
until its deadline. References marked `optional: true` do not stop a pod.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVICE_ACCOUNT = "ServiceAccount"
CONFIG_MAP = "ConfigMap"
SECRET = "Secret"  # noqa: S105 - a kind, not a secret


@dataclass(frozen=True)
class PodReference:
    kind: str
    name: str
    keys: frozenset[str]  # keys the pod reads by name (env valueFrom, volume items)
    optional: bool
    used_by: frozenset[str]  # where: "container payment env", "volume certs", ...


class _Collector:
    def __init__(self) -> None:
        self._found: dict[tuple[str, str], tuple[set[str], bool, set[str]]] = {}

    def add(self, kind: str, name: Any, used_by: str, *, optional: Any = False, key: Any = None) -> None:
        if not isinstance(name, str) or not name:
            return
        keys, all_optional, users = self._found.get((kind, name), (set(), True, set()))
        if isinstance(key, str) and key:
            keys.add(key)
        users.add(used_by)
        self._found[(kind, name)] = (keys, all_optional and bool(optional), users)

    def references(self) -> list[PodReference]:
        return [
            PodReference(kind, name, frozenset(keys), optional, frozenset(users))
            for (kind, name), (keys, optional, users) in sorted(self._found.items())
        ]


def pod_references(deployment: dict[str, Any]) -> list[PodReference]:
    """Every ServiceAccount, ConfigMap and Secret the Deployment's pod template names."""
    spec = deployment.get("spec", {}).get("template", {}).get("spec", {}) or {}
    found = _Collector()
    account = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if account and account != "default":  # every namespace has "default"
        found.add(SERVICE_ACCOUNT, account, "serviceAccountName")
    for secret in spec.get("imagePullSecrets") or []:
        found.add(SECRET, (secret or {}).get("name"), "imagePullSecrets")
    for volume in spec.get("volumes") or []:
        _volume(found, volume or {})
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        _container(found, container or {})
    return found.references()


def _volume(found: _Collector, volume: dict[str, Any]) -> None:
    used_by = f"volume {volume.get('name')}"
    if config_map := volume.get("configMap"):
        _items(found, CONFIG_MAP, config_map.get("name"), config_map, used_by)
    if secret := volume.get("secret"):
        _items(found, SECRET, secret.get("secretName"), secret, used_by)
    for source in (volume.get("projected") or {}).get("sources") or []:
        if config_map := (source or {}).get("configMap"):
            _items(found, CONFIG_MAP, config_map.get("name"), config_map, used_by)
        if secret := (source or {}).get("secret"):
            _items(found, SECRET, secret.get("name"), secret, used_by)


def _items(found: _Collector, kind: str, name: Any, source: dict[str, Any], used_by: str) -> None:
    optional = source.get("optional", False)
    items = source.get("items") or []
    if not items:
        found.add(kind, name, used_by, optional=optional)
    for item in items:
        found.add(kind, name, used_by, optional=optional, key=(item or {}).get("key"))


def _container(found: _Collector, container: dict[str, Any]) -> None:
    name = container.get("name")
    for source in container.get("envFrom") or []:
        if ref := (source or {}).get("configMapRef"):
            found.add(CONFIG_MAP, ref.get("name"), f"container {name} envFrom", optional=ref.get("optional"))
        if ref := (source or {}).get("secretRef"):
            found.add(SECRET, ref.get("name"), f"container {name} envFrom", optional=ref.get("optional"))
    for variable in container.get("env") or []:
        value_from = (variable or {}).get("valueFrom") or {}
        used_by = f"container {name} env {variable.get('name')}"
        if ref := value_from.get("configMapKeyRef"):
            found.add(CONFIG_MAP, ref.get("name"), used_by, optional=ref.get("optional"), key=ref.get("key"))
        if ref := value_from.get("secretKeyRef"):
            found.add(SECRET, ref.get("name"), used_by, optional=ref.get("optional"), key=ref.get("key"))
