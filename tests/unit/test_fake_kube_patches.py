"""The patch flavours of the fake Kubernetes API, as pure functions (no server, no network)."""

from __future__ import annotations

from typing import Any

import pytest

from bluegreen.local.fake_kube.errors import KubeApiError
from bluegreen.local.fake_kube.patches import json_patch, merge_patch, strategic_merge_patch


def _pod_spec(*containers: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": {"containers": list(containers)}}}}


def _containers(obj: Any) -> Any:
    return obj["spec"]["template"]["spec"]["containers"]


# --- merge patch -------------------------------------------------------------------------------


def test_merge_patch_merges_maps_deletes_nulls_and_replaces_lists():
    # Given
    original: dict[str, Any] = {
        "metadata": {"labels": {"app": "web", "old": "x"}},
        "spec": {"items": [1, 2, 3]},
    }
    # When
    patch = {"metadata": {"labels": {"old": None, "track": "green"}}, "spec": {"items": [9]}}
    patched = merge_patch(original, patch)
    # Then
    assert patched == {"metadata": {"labels": {"app": "web", "track": "green"}}, "spec": {"items": [9]}}
    assert original["metadata"]["labels"]["old"] == "x", "the original must not be mutated"


# --- JSON patch --------------------------------------------------------------------------------


def test_json_patch_supports_all_operations_with_escaped_pointers_and_append():
    # Given
    doc = {"metadata": {"annotations": {"a/b": "1", "c~d": "2"}}, "list": [1, 2]}
    ops = [
        {"op": "test", "path": "/metadata/annotations/a~1b", "value": "1"},
        {"op": "replace", "path": "/metadata/annotations/c~0d", "value": "3"},
        {"op": "add", "path": "/list/-", "value": 3},
        {"op": "add", "path": "/list/0", "value": 0},
        {"op": "copy", "from": "/list/3", "path": "/copied"},
        {"op": "move", "from": "/metadata/annotations/a~1b", "path": "/moved"},
        {"op": "remove", "path": "/list/1"},
    ]
    # When
    patched = json_patch(doc, ops)
    # Then
    assert patched["metadata"] == {"annotations": {"c~d": "3"}}
    assert (patched["list"], patched["copied"], patched["moved"]) == ([0, 2, 3], 3, "1")


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "test", "path": "/spec/replicas", "value": 5},
        {"op": "remove", "path": "/spec/missing"},
        {"op": "replace", "path": "/nope/deeper", "value": 1},
        {"op": "add", "path": "/list/7", "value": 1},
        {"op": "frobnicate", "path": "/spec"},
    ],
)
def test_json_patch_operation_that_cannot_apply_is_422(operation):
    # When
    with pytest.raises(KubeApiError) as caught:
        json_patch({"spec": {"replicas": 2}, "list": []}, [operation])
    # Then
    assert caught.value.code == 422
    assert caught.value.reason == "Invalid"


def test_json_patch_that_is_not_a_list_is_400():
    with pytest.raises(KubeApiError) as caught:
        json_patch({}, {"op": "add"})
    assert caught.value.code == 400


# --- strategic merge patch ---------------------------------------------------------------------


def test_strategic_merge_changes_one_container_and_keeps_the_sidecar():
    # Given
    original = _pod_spec({"name": "app", "image": "web:1"}, {"name": "envoy", "image": "envoy:1"})
    # When
    patched = strategic_merge_patch(original, _pod_spec({"name": "app", "image": "web:2"}))
    # Then
    assert _containers(patched) == [{"name": "app", "image": "web:2"}, {"name": "envoy", "image": "envoy:1"}]


def test_strategic_merge_merges_env_ports_and_volume_mounts_by_their_keys():
    # Given
    original = _pod_spec(
        {
            "name": "app",
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
            "ports": [{"containerPort": 8080, "name": "http"}],
            "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"}],
        }
    )
    patch = _pod_spec(
        {
            "name": "app",
            "env": [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}],
            "ports": [{"containerPort": 9090, "name": "metrics"}],
            "volumeMounts": [{"name": "cfg2", "mountPath": "/etc/cfg", "readOnly": True}],
        }
    )
    # When
    container = _containers(strategic_merge_patch(original, patch))[0]
    # Then
    assert [(e["name"], e["value"]) for e in container["env"]] == [("A", "1"), ("B", "20"), ("C", "3")]
    assert [port["containerPort"] for port in container["ports"]] == [8080, 9090]
    assert container["volumeMounts"] == [{"name": "cfg2", "mountPath": "/etc/cfg", "readOnly": True}]


def test_strategic_merge_patch_directives_delete_and_replace():
    # Given
    original = {
        "metadata": {"labels": {"a": "1"}, "annotations": {"x": "1", "y": "2"}},
        **_pod_spec({"name": "app", "image": "web:1"}, {"name": "debug", "image": "busybox"}),
    }
    patch = {
        "metadata": {"annotations": {"$patch": "replace", "z": "3"}, "labels": {"$patch": "delete"}},
        **_pod_spec({"name": "debug", "$patch": "delete"}),
    }
    # When
    patched = strategic_merge_patch(original, patch)
    # Then
    assert patched["metadata"] == {"annotations": {"z": "3"}}
    assert _containers(patched) == [{"name": "app", "image": "web:1"}]


def test_strategic_merge_list_replace_directive_and_plain_lists_are_replaced():
    # Given
    original = {**_pod_spec({"name": "app"}, {"name": "envoy"}), "args": ["a", "b"]}
    patch = {**_pod_spec({"$patch": "replace"}, {"name": "only"}), "args": ["c"]}
    # When
    patched = strategic_merge_patch(original, patch)
    # Then
    assert _containers(patched) == [{"name": "only"}]
    assert patched["args"] == ["c"]


def test_strategic_merge_service_ports_merge_by_port():
    original = {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": 8443}]}}
    patched = strategic_merge_patch(original, {"spec": {"ports": [{"port": 80, "targetPort": 9000}]}})
    assert patched["spec"]["ports"] == [{"port": 80, "targetPort": 9000}, {"port": 443, "targetPort": 8443}]


def test_strategic_merge_item_without_merge_key_is_422():
    with pytest.raises(KubeApiError) as caught:
        strategic_merge_patch(_pod_spec({"name": "app"}), _pod_spec({"image": "web:2"}))
    assert caught.value.code == 422
