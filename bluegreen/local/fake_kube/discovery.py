"""The discovery documents (/version, /api, /apis, /api/v1, /apis/<group>/<version>) for the served types."""

from __future__ import annotations

from typing import Any

from bluegreen.local.fake_kube.resources import RESOURCE_TYPES, ResourceType

KUBERNETES_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.0-fake",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-08-13T00:00:00Z",
    "goVersion": "go1.22.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_VERBS = ["create", "delete", "get", "list", "patch", "update"]
_SUBRESOURCE_VERBS = ["get", "patch", "update"]
_SHORT_NAMES = {"namespaces": ["ns"], "services": ["svc"], "deployments": ["deploy"], "ingresses": ["ing"]}
# Groups served only as a subresource's type (autoscaling/v1 Scale for deployments/scale).
_EXTRA_GROUP_VERSIONS = ("autoscaling/v1",)


def group_versions() -> list[str]:
    served = [r.api_version for r in RESOURCE_TYPES if r.group]
    return sorted(set(served) | set(_EXTRA_GROUP_VERSIONS))


def core_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def api_group(name: str) -> dict[str, Any] | None:
    versions = [
        {"groupVersion": gv, "version": gv.split("/")[1]}
        for gv in group_versions()
        if gv.split("/")[0] == name
    ]
    if not versions:
        return None
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": name,
        "versions": versions,
        "preferredVersion": versions[0],
    }


def api_group_list() -> dict[str, Any]:
    names = sorted({gv.split("/")[0] for gv in group_versions()})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [api_group(name) for name in names]}


def api_resource_list(group_version: str) -> dict[str, Any] | None:
    if group_version not in ["v1", *group_versions()]:
        return None
    resources: list[dict[str, Any]] = []
    for rtype in RESOURCE_TYPES:
        if rtype.api_version == group_version:
            resources.append(_resource(rtype))
            resources += [_subresource(rtype, name) for name in rtype.subresources]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def _resource(rtype: ResourceType) -> dict[str, Any]:
    return {
        "name": rtype.plural,
        "singularName": rtype.kind.lower(),
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": _VERBS,
        "shortNames": _SHORT_NAMES.get(rtype.plural, []),
    }


def _subresource(rtype: ResourceType, name: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "name": f"{rtype.plural}/{name}",
        "singularName": "",
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": _SUBRESOURCE_VERBS,
    }
    if name == "scale":
        resource.update(group="autoscaling", version="v1", kind="Scale")
    return resource
