"""Small rules about one stored object: keys, bodies, names, preconditions and the views served."""

from __future__ import annotations

import copy
from typing import Any

from bluegreen.local.fake_kube import errors
from bluegreen.local.fake_kube.resources import ResourceType

Obj = dict[str, Any]
Key = tuple[str, str, str]  # (plural, namespace or "" when cluster-scoped, name)


def key(rtype: ResourceType, namespace: str, name: str) -> Key:
    return (rtype.plural, namespace if rtype.namespaced else "", name)


def object_body(body: Any) -> Obj:
    if not isinstance(body, dict) or not isinstance(body.get("metadata", {}), dict):
        raise errors.bad_request("the body of the request must be a JSON object with an object metadata")
    obj = copy.deepcopy(body)
    obj.setdefault("metadata", {})
    return obj


def check_name(obj: Obj, name: str) -> None:
    if obj["metadata"].get("name") != name:
        raise errors.bad_request(
            f"the name of the object ({obj['metadata'].get('name')}) "
            f"does not match the name on the URL ({name})"
        )


def check_preconditions(rtype: ResourceType, old: Obj, wanted: Any) -> None:
    """A resourceVersion or uid sent with a write must match the stored object, or it is a 409."""
    if not isinstance(wanted, dict):
        return
    current = old["metadata"]
    name = current["name"]
    if wanted.get("uid") and wanted["uid"] != current["uid"]:
        raise errors.conflict(
            rtype.plural,
            rtype.group,
            name,
            f"Precondition failed: UID in precondition: {wanted['uid']}, "
            f"UID in object meta: {current['uid']}",
        )
    if wanted.get("resourceVersion") and wanted["resourceVersion"] != current["resourceVersion"]:
        raise errors.conflict(rtype.plural, rtype.group, name, errors.STALE_OBJECT)


def applied_config(rtype: ResourceType, body: Any, name: str, subresource: str | None) -> Obj:
    applied = object_body(body)
    expected_kind = "Scale" if subresource == "scale" else rtype.kind
    expected_version = "autoscaling/v1" if subresource == "scale" else rtype.api_version
    if applied.get("kind") != expected_kind or applied.get("apiVersion") != expected_version:
        raise errors.bad_request(
            f"apply: the object is {applied.get('apiVersion')}/{applied.get('kind')}, "
            f"expected {expected_version}/{expected_kind}"
        )
    check_name(applied, name)
    return applied


def scale_view(deployment: Obj) -> Obj:
    """The autoscaling/v1 Scale of a deployment."""
    metadata = deployment["metadata"]
    match_labels = (deployment["spec"].get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in metadata
        },
        "spec": {"replicas": deployment["spec"].get("replicas", 1)},
        "status": {
            "replicas": deployment.get("status", {}).get("replicas", 0),
            "selector": ",".join(f"{key}={value}" for key, value in sorted(match_labels.items())),
        },
    }


def partial_metadata(obj: Obj) -> Obj:
    """``Accept: ...;as=PartialObjectMetadata``: the object's metadata only (no Secret data)."""
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": copy.deepcopy(obj.get("metadata", {})),
    }


def partial_metadata_list(listing: Obj) -> Obj:
    return {
        "kind": "PartialObjectMetadataList",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": copy.deepcopy(listing.get("metadata", {})),
        "items": [partial_metadata(item) for item in listing.get("items", [])],
    }
