"""Fake-apiserver tests: the official ``kubernetes`` client against FakeKubeServer over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from bluegreen.local.fake_kube import FakeKubeServer


@pytest.fixture(scope="module")
def server():
    with FakeKubeServer() as fake:
        yield fake


@pytest.fixture(scope="module")
def api_client(server):
    with server.api_client(token="test-token") as api:
        yield api


@pytest.fixture
def kube(server):
    server.reset()
    server.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "blue"}}])
    return server


@pytest.fixture
def apps(api_client, kube):
    return client.AppsV1Api(api_client)


@pytest.fixture
def core(api_client, kube):
    return client.CoreV1Api(api_client)


def deployment(name="web", image="shop/web:1.0.0", labels=None, sidecar=True) -> dict[str, Any]:
    labels = {"app": name, **(labels or {})}
    containers = [{"name": "app", "image": image, "ports": [{"containerPort": 8080}]}]
    if sidecar:
        containers.append({"name": "envoy", "image": "envoy:1.30"})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": containers}},
        },
    }


def error_body(exc: ApiException) -> Any:
    return json.loads(exc.body or "null")


def raw_request(server, method: str, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
    """For bodies the official client refuses to send (it validates some required fields itself)."""
    request = urllib.request.Request(
        f"{server.url}{path}", data=body, method=method, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as failed:
        return failed.code, json.loads(failed.read())


# --- namespaces --------------------------------------------------------------------------------


def test_namespace_create_get_list(core):
    # When
    created = core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="green")))
    # Then
    assert created.status.phase == "Active"
    assert created.metadata.uid
    assert core.read_namespace("green").metadata.labels["kubernetes.io/metadata.name"] == "green"
    assert {ns.metadata.name for ns in core.list_namespace().items} == {"blue", "green"}


# --- deployments: create, generation, resourceVersion ------------------------------------------


def test_created_deployment_gets_server_metadata_and_defaults(apps):
    # When
    first = apps.create_namespaced_deployment("blue", deployment("web"))
    second = apps.create_namespaced_deployment("blue", deployment("api"))
    # Then
    assert first.metadata.generation == 1
    assert first.metadata.uid
    assert first.metadata.uid != second.metadata.uid
    assert first.metadata.creation_timestamp is not None
    assert int(second.metadata.resource_version) > int(first.metadata.resource_version)
    assert first.spec.replicas == 1
    assert first.status.observed_generation is None


def test_strategic_merge_patch_of_one_image_keeps_the_sidecar_and_bumps_generation(apps, server):
    # Given
    created = apps.create_namespaced_deployment("blue", deployment("web"))
    server.clear_requests()
    # When
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "shop/web:2.0.0"}]}}}}
    patched = apps.patch_namespaced_deployment("web", "blue", patch)
    # Then
    assert [(c.name, c.image) for c in patched.spec.template.spec.containers] == [
        ("app", "shop/web:2.0.0"),
        ("envoy", "envoy:1.30"),
    ]
    assert patched.spec.template.spec.containers[0].ports[0].container_port == 8080
    assert patched.metadata.generation == 2
    assert int(patched.metadata.resource_version) > int(created.metadata.resource_version)
    assert server.requests[-1].content_type == "application/strategic-merge-patch+json"


def test_label_only_patch_keeps_generation_and_noop_patch_keeps_resource_version(apps):
    # Given
    created = apps.create_namespaced_deployment("blue", deployment("web"))
    # When
    relabelled = apps.patch_namespaced_deployment("web", "blue", {"metadata": {"labels": {"track": "green"}}})
    unchanged = apps.patch_namespaced_deployment("web", "blue", {"metadata": {"labels": {"track": "green"}}})
    # Then
    assert relabelled.metadata.labels == {"app": "web", "track": "green"}
    assert relabelled.metadata.generation == 1
    assert int(relabelled.metadata.resource_version) > int(created.metadata.resource_version)
    assert unchanged.metadata.resource_version == relabelled.metadata.resource_version


def test_merge_patch_replaces_lists_and_deletes_with_null(apps):
    # Given
    apps.create_namespaced_deployment("blue", deployment("web", labels={"old": "yes"}))
    # When
    patch = {
        "metadata": {"labels": {"old": None}},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "solo", "image": "solo:1"}]}}},
    }
    patched = apps.patch_namespaced_deployment(
        "web", "blue", patch, _content_type="application/merge-patch+json"
    )
    # Then
    assert patched.metadata.labels == {"app": "web"}
    assert [c.name for c in patched.spec.template.spec.containers] == ["solo"]
    assert patched.spec.replicas == 3
    assert patched.metadata.generation == 2


def test_json_patch_applies_and_a_failing_test_operation_is_422(apps):
    # Given
    apps.create_namespaced_deployment("blue", deployment("web"))
    # When
    patched = apps.patch_namespaced_deployment(
        "web",
        "blue",
        [
            {"op": "test", "path": "/spec/template/spec/containers/0/image", "value": "shop/web:1.0.0"},
            {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "shop/web:1.1.0"},
        ],
    )
    with pytest.raises(ApiException) as failed:
        apps.patch_namespaced_deployment(
            "web",
            "blue",
            [{"op": "test", "path": "/spec/replicas", "value": 7}, {"op": "remove", "path": "/spec"}],
        )
    # Then
    assert patched.spec.template.spec.containers[0].image == "shop/web:1.1.0"
    assert failed.value.status == 422
    assert error_body(failed.value)["reason"] == "Invalid"
    assert apps.read_namespaced_deployment("web", "blue").metadata.generation == 2


def test_malformed_patch_body_is_400_bad_request_like_the_apiserver(apps, server):
    # Given
    apps.create_namespaced_deployment("blue", deployment("web"))
    # When
    code, status = raw_request(
        server,
        "PATCH",
        "/apis/apps/v1/namespaces/blue/deployments/web",
        b"{not json",
        "application/merge-patch+json",
    )
    # Then
    assert code == 400
    assert status["reason"] == "BadRequest"


def test_replace_with_stale_resource_version_is_409_conflict(apps):
    # Given
    stale = apps.create_namespaced_deployment("blue", deployment("web"))
    apps.patch_namespaced_deployment("web", "blue", {"spec": {"replicas": 2}})
    stale.spec.replicas = 5
    # When
    with pytest.raises(ApiException) as failed:
        apps.replace_namespaced_deployment("web", "blue", stale)
    fresh = apps.read_namespaced_deployment("web", "blue")
    fresh.spec.replicas = 5
    replaced = apps.replace_namespaced_deployment("web", "blue", fresh)
    # Then
    assert failed.value.status == 409
    assert error_body(failed.value)["reason"] == "Conflict"
    assert replaced.spec.replicas == 5
    assert replaced.metadata.generation == 3


# --- list and selectors ------------------------------------------------------------------------


def test_list_with_equality_and_set_based_label_selectors(apps, kube):
    # Given
    kube.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "green"}}])
    apps.create_namespaced_deployment("blue", deployment("web", labels={"track": "blue"}))
    apps.create_namespaced_deployment("blue", deployment("worker", labels={"track": "blue", "batch": "y"}))
    apps.create_namespaced_deployment("green", deployment("web", labels={"track": "green"}))

    def names(items: Any) -> list[str]:
        return sorted(f"{d.metadata.namespace}/{d.metadata.name}" for d in items)

    # When / Then
    assert names(apps.list_namespaced_deployment("blue", label_selector="app=web").items) == ["blue/web"]
    assert names(apps.list_namespaced_deployment("blue", label_selector="track=blue,!batch").items) == [
        "blue/web"
    ]
    assert names(
        apps.list_namespaced_deployment("blue", label_selector="app in (web,worker),batch").items
    ) == ["blue/worker"]
    assert names(apps.list_deployment_for_all_namespaces(label_selector="track notin (blue)").items) == [
        "green/web"
    ]
    assert names(
        apps.list_deployment_for_all_namespaces(field_selector="metadata.namespace=green").items
    ) == ["green/web"]
    assert apps.list_namespaced_deployment("blue", label_selector="app!=web,app!=worker").items == []


def test_bad_label_selector_is_400(apps):
    with pytest.raises(ApiException) as failed:
        apps.list_namespaced_deployment("blue", label_selector="app in web")
    assert failed.value.status == 400


# --- errors ------------------------------------------------------------------------------------


def test_missing_deployment_is_404_with_a_status_body(apps):
    with pytest.raises(ApiException) as failed:
        apps.read_namespaced_deployment("nope", "blue")
    assert failed.value.status == 404
    body = error_body(failed.value)
    assert body["kind"] == "Status"
    assert body["status"] == "Failure"
    assert body["reason"] == "NotFound"
    assert body["message"] == 'deployments.apps "nope" not found'
    assert body["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


def test_create_in_missing_namespace_is_404_namespace_not_found(apps):
    with pytest.raises(ApiException) as failed:
        apps.create_namespaced_deployment("nowhere", deployment("web"))
    assert failed.value.status == 404
    assert error_body(failed.value)["message"] == 'namespaces "nowhere" not found'


def test_create_existing_name_is_409_already_exists(apps):
    apps.create_namespaced_deployment("blue", deployment("web"))
    with pytest.raises(ApiException) as failed:
        apps.create_namespaced_deployment("blue", deployment("web"))
    assert failed.value.status == 409
    assert error_body(failed.value)["reason"] == "AlreadyExists"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["metadata"].pop("name"), "metadata.name"),
        (lambda d: d["spec"]["template"]["spec"].pop("containers"), "spec.template.spec.containers"),
        (
            lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("image"),
            "spec.template.spec.containers[0].image",
        ),
        (lambda d: d["spec"].pop("selector"), "spec.selector"),
    ],
)
def test_invalid_deployment_is_422_naming_the_field(server, kube, mutate, field):
    # Given
    body = deployment("web")
    mutate(body)
    # When
    code, status = raw_request(
        server,
        "POST",
        "/apis/apps/v1/namespaces/blue/deployments",
        json.dumps(body).encode(),
        "application/json",
    )
    # Then
    assert code == 422
    assert status["reason"] == "Invalid"
    assert field in [cause["field"] for cause in status["details"]["causes"]]
    assert kube.get_object("Deployment", "blue", "web") is None


def test_official_client_surfaces_422_for_a_container_without_image(apps):
    body = deployment("web")
    del body["spec"]["template"]["spec"]["containers"][1]["image"]
    with pytest.raises(ApiException) as failed:
        apps.create_namespaced_deployment("blue", body)
    assert failed.value.status == 422
    assert (
        error_body(failed.value)["details"]["causes"][0]["field"] == "spec.template.spec.containers[1].image"
    )


def test_delete_deployment_then_it_is_gone(apps):
    apps.create_namespaced_deployment("blue", deployment("web"))
    result = apps.delete_namespaced_deployment("web", "blue")
    assert result["status"] == "Success"
    with pytest.raises(ApiException) as failed:
        apps.delete_namespaced_deployment("web", "blue")
    assert failed.value.status == 404


def test_deleting_a_namespace_deletes_what_it_contains(apps, core, kube):
    apps.create_namespaced_deployment("blue", deployment("web"))
    core.delete_namespace("blue")
    assert kube.get_object("Deployment", "blue", "web") is None
    assert kube.get_object("Namespace", None, "blue") is None


def test_dry_run_create_does_not_persist(apps, kube):
    created = apps.create_namespaced_deployment("blue", deployment("web"), dry_run="All")
    assert created.metadata.name == "web"
    assert kube.get_object("Deployment", "blue", "web") is None


# --- subresources ------------------------------------------------------------------------------


def test_scale_read_and_patch_change_spec_replicas(apps):
    # Given
    apps.create_namespaced_deployment("blue", deployment("web"))
    # When
    before = apps.read_namespaced_deployment_scale("web", "blue")
    after = apps.patch_namespaced_deployment_scale("web", "blue", {"spec": {"replicas": 4}})
    # Then
    assert before.kind == "Scale"
    assert before.spec.replicas == 1
    assert before.status.selector == "app=web"
    assert after.spec.replicas == 4
    stored = apps.read_namespaced_deployment("web", "blue")
    assert stored.spec.replicas == 4
    assert stored.metadata.generation == 2


def test_status_patch_keeps_generation_and_main_resource_cannot_write_status(apps):
    # Given
    apps.create_namespaced_deployment("blue", deployment("web"))
    # When
    apps.patch_namespaced_deployment_status(
        "web", "blue", {"status": {"observedGeneration": 1, "readyReplicas": 1}}
    )
    apps.patch_namespaced_deployment("web", "blue", {"status": {"readyReplicas": 99}})
    # Then
    read = apps.read_namespaced_deployment_status("web", "blue")
    assert read.status.observed_generation == 1
    assert read.status.ready_replicas == 1
    assert read.metadata.generation == 1


# --- server-side apply -------------------------------------------------------------------------


def test_server_side_apply_creates_then_updates(apps, server):
    # Given
    apply = {"field_manager": "bluegreen", "_content_type": "application/apply-patch+yaml"}
    body = deployment("web")
    # When
    created = apps.patch_namespaced_deployment("web", "blue", body, **apply)
    body["spec"]["template"]["spec"]["containers"][0]["image"] = "shop/web:2.0.0"
    updated = apps.patch_namespaced_deployment("web", "blue", body, **apply)
    # Then
    assert created.metadata.generation == 1
    assert updated.metadata.generation == 2
    assert updated.spec.template.spec.containers[0].image == "shop/web:2.0.0"
    assert server.requests[-1].query["fieldManager"] == ["bluegreen"]


def test_server_side_apply_without_field_manager_is_rejected_like_the_apiserver(apps):
    with pytest.raises(ApiException) as failed:
        apps.patch_namespaced_deployment(
            "web", "blue", deployment("web"), _content_type="application/apply-patch+yaml"
        )
    assert failed.value.status == 422
    assert "fieldManager: Required value" in error_body(failed.value)["message"]


# --- services and ingresses --------------------------------------------------------------------


def test_service_crud(core):
    # Given
    body = {
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"selector": {"app": "web", "track": "blue"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    # When
    created = core.create_namespaced_service("blue", body)
    patched = core.patch_namespaced_service("web", "blue", {"spec": {"selector": {"track": "green"}}})
    listed = core.list_namespaced_service("blue", label_selector="app=web").items
    core.delete_namespaced_service("web", "blue")
    # Then
    assert created.spec.cluster_ip
    assert created.spec.type == "ClusterIP"
    assert patched.spec.selector == {"app": "web", "track": "green"}
    assert patched.spec.cluster_ip == created.spec.cluster_ip
    assert [s.metadata.name for s in listed] == ["web"]
    assert core.list_namespaced_service("blue").items == []


def test_ingress_crud(api_client, kube):
    # Given
    networking: Any = client.NetworkingV1Api(api_client)
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    body = {
        "metadata": {"name": "web"},
        "spec": {
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
                }
            ]
        },
    }
    # When
    created = networking.create_namespaced_ingress("blue", body)
    read = networking.read_namespaced_ingress("web", "blue")
    read.spec.rules[0].host = "www.example.com"
    replaced = networking.replace_namespaced_ingress("web", "blue", read)
    networking.delete_namespaced_ingress("web", "blue")
    # Then
    assert created.metadata.generation == 1
    assert replaced.spec.rules[0].host == "www.example.com"
    assert replaced.metadata.generation == 2
    with pytest.raises(ApiException) as failed:
        networking.read_namespaced_ingress("web", "blue")
    assert failed.value.status == 404
