"""Fake-apiserver tests of field ownership: server-side apply by field manager, as the apiserver does it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client

from bluegreen.adapters.kube import Deployments
from bluegreen.local.fake_kube import FakeKubeServer

APPLY = "application/apply-patch+yaml"


@pytest.fixture
def kube():
    with FakeKubeServer(auto_complete=True) as fake:
        fake.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "green"}}])
        yield fake


@pytest.fixture
def api_client(kube):
    with kube.api_client() as api:
        yield api


def web(env: list[dict[str, str]], replicas: int = 2, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web", **(labels or {})}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "shop/web:1", "env": env}]},
            },
        },
    }


def apply(api_client: Any, body: dict[str, Any], manager: str, force: bool = False) -> tuple[int, Any]:
    query = [("fieldManager", manager)] + ([("force", "true")] if force else [])
    request = api_client.param_serialize(
        method="PATCH",
        resource_path="/apis/apps/v1/namespaces/green/deployments/web",
        query_params=query,
        header_params={"Content-Type": APPLY, "Accept": "application/json"},
        body=body,
    )
    response = api_client.call_api(*request)
    response.read()
    return response.status, json.loads(response.data)


def env_of(obj: dict[str, Any]) -> list[dict[str, str]]:
    return list(obj["spec"]["template"]["spec"]["containers"][0].get("env") or [])


def managers(obj: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m["manager"], m["operation"]) for m in obj["metadata"].get("managedFields") or []}


def test_a_field_the_same_manager_stops_applying_is_removed(api_client):
    # Given
    apply(api_client, web([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]), "bluegreen")
    # When
    status, applied = apply(api_client, web([{"name": "A", "value": "1"}], labels={}), "bluegreen")
    # Then
    assert status == 200
    assert env_of(applied) == [{"name": "A", "value": "1"}]
    assert managers(applied) == {("bluegreen", "Apply")}
    fields = applied["metadata"]["managedFields"][0]["fieldsV1"]
    containers = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert set(containers['k:{"name":"app"}']["f:env"]) == {'k:{"name":"A"}'}


def test_a_field_another_manager_also_set_is_kept(api_client):
    # Given the label is set by an apply and by someone else's update
    apply(api_client, web([], labels={"team": "payments"}), "bluegreen")
    client.AppsV1Api(api_client).patch_namespaced_deployment(
        "web", "green", {"metadata": {"labels": {"team": "payments-core"}}}
    )
    # When the applier drops it
    _, applied = apply(api_client, web([]), "bluegreen", force=True)
    # Then: the updater owns it now, so it stays
    assert applied["metadata"]["labels"]["team"] == "payments-core"
    assert ("OpenAPI-Generator", "Update") in managers(applied)


def test_applying_a_field_another_manager_changed_is_a_conflict_unless_forced(api_client):
    # Given
    apply(api_client, web([]), "bluegreen")
    client.AppsV1Api(api_client).patch_namespaced_deployment_scale("web", "green", {"spec": {"replicas": 5}})
    # When
    status, conflict = apply(api_client, web([]), "bluegreen")
    forced_status, forced = apply(api_client, web([]), "bluegreen", force=True)
    # Then
    assert status == 409
    assert conflict["reason"] == "Conflict"
    assert conflict["message"] == (
        'Apply failed with 1 conflict: conflict with "OpenAPI-Generator" using apps/v1: .spec.replicas'
    )
    assert conflict["details"]["causes"][0]["field"] == ".spec.replicas"
    assert (forced_status, forced["spec"]["replicas"]) == (200, 2)


def test_a_second_manager_applying_the_same_value_shares_the_field(api_client):
    apply(api_client, web([]), "bluegreen")
    status, applied = apply(api_client, web([]), "platform")
    assert status == 200
    assert managers(applied) == {("bluegreen", "Apply"), ("platform", "Apply")}


def test_an_apply_that_changes_nothing_is_a_no_op(api_client):
    _, first = apply(api_client, web([{"name": "A", "value": "1"}]), "bluegreen")
    _, again = apply(api_client, web([{"name": "A", "value": "1"}]), "bluegreen")
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]


def test_the_release_adapter_applies_as_bluegreen_and_drops_what_the_release_dropped(kube, api_client):
    # Given a release that applied an env var
    deployments = Deployments(api_client)
    deployments.apply("green", web([{"name": "THREE_DS_V2", "value": "on"}]))
    # When the next release's manifest no longer has it
    deployments.apply("green", web([]))
    # Then
    stored = kube.get_object("Deployment", "green", "web")
    assert stored is not None
    assert env_of(stored) == []
