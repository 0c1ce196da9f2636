"""Label and field selectors of the fake Kubernetes API (no server, no network)."""

from __future__ import annotations

from typing import Any

import pytest

from bluegreen.local.fake_kube.errors import KubeApiError
from bluegreen.local.fake_kube.selectors import field_selector_matcher, label_selector_matcher


def _obj(name: str, namespace: str = "blue", **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels}}


OBJECTS = [
    _obj("web-blue", app="web", track="blue"),
    _obj("web-green", app="web", track="green", canary="yes"),
    _obj("api", app="api"),
]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("", ["web-blue", "web-green", "api"]),
        ("app=web", ["web-blue", "web-green"]),
        ("app==web,track=green", ["web-green"]),
        ("app!=web", ["api"]),
        ("track in (blue, green)", ["web-blue", "web-green"]),
        ("track notin (blue)", ["web-green", "api"]),
        ("canary", ["web-green"]),
        ("!canary", ["web-blue", "api"]),
        ("app=web,track notin (green,red),!canary", ["web-blue"]),
        ("example.com/owner=team", []),
    ],
)
def test_label_selector_matches_like_kubernetes(selector, expected):
    matches = label_selector_matcher(selector)
    assert [obj["metadata"]["name"] for obj in OBJECTS if matches(obj)] == expected


@pytest.mark.parametrize("selector", ["app=(web", "app in web", "=web", "app in ()"])
def test_malformed_label_selector_is_400(selector):
    with pytest.raises(KubeApiError) as caught:
        label_selector_matcher(selector)
    assert caught.value.code == 400


def test_field_selector_on_name_and_namespace():
    objects = [_obj("a", "blue"), _obj("b", "blue"), _obj("a", "green")]
    matches = field_selector_matcher("metadata.name=a,metadata.namespace!=green")
    matched = [(o["metadata"]["name"], o["metadata"]["namespace"]) for o in objects if matches(o)]
    assert matched == [("a", "blue")]


def test_unsupported_field_selector_is_400():
    with pytest.raises(KubeApiError) as caught:
        field_selector_matcher("spec.replicas=1")
    assert caught.value.code == 400
    assert "field label not supported" in caught.value.message
