"""The resource types the fake serves, with the defaults and validation the real apiserver applies."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from bluegreen.local.fake_kube.errors import invalid


@dataclass(frozen=True)
class ResourceType:
    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool
    has_generation: bool  # metadata.generation counts .spec changes
    subresources: tuple[str, ...] = ("status",)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version_path(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"


NAMESPACES = ResourceType("", "v1", "namespaces", "Namespace", namespaced=False, has_generation=False)
SERVICES = ResourceType("", "v1", "services", "Service", namespaced=True, has_generation=False)
DEPLOYMENTS = ResourceType(
    "apps", "v1", "deployments", "Deployment", True, has_generation=True, subresources=("status", "scale")
)
INGRESSES = ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", True, has_generation=True)
SERVICE_ACCOUNTS = ResourceType(
    "", "v1", "serviceaccounts", "ServiceAccount", True, has_generation=False, subresources=()
)
CONFIG_MAPS = ResourceType("", "v1", "configmaps", "ConfigMap", True, has_generation=False, subresources=())
SECRETS = ResourceType("", "v1", "secrets", "Secret", True, has_generation=False, subresources=())
RESOURCE_TYPES = (NAMESPACES, SERVICES, DEPLOYMENTS, INGRESSES, SERVICE_ACCOUNTS, CONFIG_MAPS, SECRETS)
# The kinds a pod reads from its namespace (kubelet and the ServiceAccount admission plugin).
POD_DEPENDENCY_TYPES = (SERVICE_ACCOUNTS, CONFIG_MAPS, SECRETS)


def find_resource_type(group_version: str, plural: str) -> ResourceType | None:
    return next((r for r in RESOURCE_TYPES if r.api_version == group_version and r.plural == plural), None)


def resource_type_for_kind(kind: str) -> ResourceType:
    """Accepts "Deployment", "deployment" or "deployments"."""
    wanted = kind.lower()
    for rtype in RESOURCE_TYPES:
        if wanted in (rtype.kind.lower(), rtype.plural):
            return rtype
    raise LookupError(f"the fake Kubernetes API does not serve {kind!r}")


def initial_status(rtype: ResourceType) -> dict[str, Any] | None:
    """The status a new object starts with; None for kinds without a status (ConfigMap, Secret...)."""
    if rtype is NAMESPACES:
        return {"phase": "Active"}
    if rtype in (SERVICES, INGRESSES):
        return {"loadBalancer": {}}
    if rtype in POD_DEPENDENCY_TYPES:
        return None
    return {}


# --- defaults ----------------------------------------------------------------------------------


def apply_defaults(rtype: ResourceType, obj: dict[str, Any]) -> None:
    """Fill in what the apiserver defaults, so that clients see realistic objects (in place)."""
    metadata = obj.setdefault("metadata", {})
    if rtype is NAMESPACES:
        metadata.setdefault("labels", {})["kubernetes.io/metadata.name"] = metadata.get("name", "")
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    elif rtype is DEPLOYMENTS:
        _default_deployment(obj.setdefault("spec", {}))
    elif rtype is SECRETS:
        _default_secret(obj)
    elif rtype is SERVICES:
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
                port.setdefault("targetPort", port.get("port"))


def _default_secret(secret: dict[str, Any]) -> None:
    """type defaults to Opaque; write-only ``stringData`` is merged into ``data`` (base64), as stored."""
    secret.setdefault("type", "Opaque")
    string_data = secret.pop("stringData", None)
    if isinstance(string_data, dict):
        current = secret.get("data")
        data: dict[str, Any] = current if isinstance(current, dict) else {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode("utf-8")).decode("ascii")
        secret["data"] = data


def _default_deployment(spec: dict[str, Any]) -> None:
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    pod_spec = spec.get("template", {}).get("spec")
    if not isinstance(pod_spec, dict):
        return
    pod_spec.setdefault("restartPolicy", "Always")
    pod_spec.setdefault("dnsPolicy", "ClusterFirst")
    pod_spec.setdefault("terminationGracePeriodSeconds", 30)
    for container in (pod_spec.get("containers") or []) + (pod_spec.get("initContainers") or []):
        if not isinstance(container, dict):
            continue
        image = str(container.get("image", ""))
        untagged = ":" not in image.rsplit("/", 1)[-1] and "@" not in image
        latest = untagged or image.endswith(":latest")
        container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
        for port in container.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")


# --- validation --------------------------------------------------------------------------------

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def validate(rtype: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    """Raise a 422 Invalid ``KubeApiError`` listing every problem, as the apiserver does."""
    name = str(obj.get("metadata", {}).get("name") or "")
    causes = _name_causes(rtype, name)
    if rtype is DEPLOYMENTS:
        causes += _deployment_causes(obj.get("spec") or {}, (old or {}).get("spec"))
    elif rtype is SERVICES:
        causes += _service_causes(obj.get("spec") or {}, (old or {}).get("spec"))
    elif rtype in (CONFIG_MAPS, SECRETS):
        causes += _data_causes(rtype, obj)
    if causes:
        raise invalid(rtype.kind, rtype.group, name, causes)


def _name_causes(rtype: ResourceType, name: str) -> list[tuple[str, str]]:
    if not name:
        return [("metadata.name", "Required value: name or generateName is required")]
    label_only = rtype in (NAMESPACES, SERVICES)
    pattern = _DNS_LABEL if label_only else _DNS_SUBDOMAIN
    if not pattern.fullmatch(name) or len(name) > (63 if label_only else 253):
        kind = "RFC 1123 label" if label_only else "RFC 1123 subdomain"
        return [
            (
                "metadata.name",
                f'Invalid value: "{name}": a lowercase {kind} must consist of lower case '
                "alphanumeric characters, '-' or '.'",
            )
        ]
    return []


def _deployment_causes(spec: dict[str, Any], old_spec: dict[str, Any] | None) -> list[tuple[str, str]]:
    causes: list[tuple[str, str]] = []
    replicas = spec.get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        causes.append(("spec.replicas", f"Invalid value: {replicas!r}: must be greater than or equal to 0"))
    template = spec.get("template") or {}
    match_labels = (spec.get("selector") or {}).get("matchLabels")
    if not spec.get("selector"):
        causes.append(("spec.selector", "Required value"))
    elif match_labels:
        labels = (template.get("metadata") or {}).get("labels") or {}
        if any(labels.get(key) != value for key, value in match_labels.items()):
            causes.append(
                (
                    "spec.template.metadata.labels",
                    "Invalid value: `selector` does not match template `labels`",
                )
            )
    if old_spec is not None and old_spec.get("selector") != spec.get("selector"):
        causes.append(("spec.selector", "Invalid value: field is immutable"))
    containers = (template.get("spec") or {}).get("containers")
    if not isinstance(containers, list) or not containers:
        causes.append(("spec.template.spec.containers", "Required value"))
        return causes
    seen: set[str] = set()
    for index, container in enumerate(containers):
        path = f"spec.template.spec.containers[{index}]"
        if not isinstance(container, dict):
            causes.append((path, "Invalid value: must be an object"))
            continue
        if not container.get("name"):
            causes.append((f"{path}.name", "Required value"))
        elif container["name"] in seen:
            causes.append((f"{path}.name", f'Duplicate value: "{container["name"]}"'))
        seen.add(str(container.get("name")))
        if not container.get("image"):
            causes.append((f"{path}.image", "Required value"))
    return causes


def _service_causes(spec: dict[str, Any], old_spec: dict[str, Any] | None) -> list[tuple[str, str]]:
    causes: list[tuple[str, str]] = []
    headless = spec.get("clusterIP") == "None" or spec.get("type") == "ExternalName"
    ports = spec.get("ports") or []
    if not ports and not headless:
        causes.append(("spec.ports", "Required value"))
    for index, port in enumerate(ports):
        number = port.get("port") if isinstance(port, dict) else None
        if not isinstance(number, int) or not 0 < number < 65536:
            causes.append(
                (f"spec.ports[{index}].port", f"Invalid value: {number!r}: must be between 1 and 65535")
            )
    if old_spec and old_spec.get("clusterIP") and spec.get("clusterIP") != old_spec["clusterIP"]:
        causes.append(("spec.clusterIP", "Invalid value: field is immutable"))
    return causes


_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def _data_causes(rtype: ResourceType, obj: dict[str, Any]) -> list[tuple[str, str]]:
    """Keys must be valid; a Secret's ``data`` values must be base64, as the apiserver decodes them."""
    causes: list[tuple[str, str]] = []
    for field in ("data", "binaryData"):
        values = obj.get(field)
        if values is None:
            continue
        if not isinstance(values, dict):
            causes.append((field, "Invalid value: must be a map of strings"))
            continue
        for key, value in values.items():
            if not _DATA_KEY.fullmatch(str(key)) or len(str(key)) > 253:
                causes.append(
                    (
                        f"{field}[{key}]",
                        f'Invalid value: "{key}": a valid config key must consist of alphanumeric '
                        "characters, '-', '_' or '.'",
                    )
                )
            if rtype is SECRETS or field == "binaryData":
                try:
                    base64.b64decode(str(value), validate=True)
                except (binascii.Error, ValueError):
                    causes.append((f"{field}[{key}]", "Invalid value: illegal base64 data"))
    return causes
