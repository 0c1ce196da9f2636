"""Fake-apiserver tests of what pods read from their namespace: ServiceAccounts, ConfigMaps and Secrets
are served, and a Deployment whose pods reference a missing one never completes (as on a cluster)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from bluegreen.local.fake_kube import FakeKubeServer

METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"


@pytest.fixture(scope="module")
def server():
    with FakeKubeServer() as fake:
        yield fake


@pytest.fixture(scope="module")
def api_client(server):
    with server.api_client() as api:
        yield api


@pytest.fixture
def kube(server):
    server.reset()
    server.auto_complete = True
    server.controller_lag = 1
    server.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "green"}}])
    return server


@pytest.fixture
def core(api_client, kube) -> Any:
    return client.CoreV1Api(api_client)


@pytest.fixture
def apps(api_client, kube) -> Any:
    return client.AppsV1Api(api_client)


def web(pod_spec: dict[str, Any]) -> dict[str, Any]:
    spec = {"containers": [{"name": "app", "image": "shop/web:1"}], **pod_spec}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec},
        },
    }


def env_from_secret(name: str, key: str = "password", optional: bool | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": name, "key": key}
    if optional is not None:
        ref["optional"] = optional
    return {
        "containers": [
            {"name": "app", "image": "shop/web:1", "env": [{"name": "P", "valueFrom": {"secretKeyRef": ref}}]}
        ]
    }


def settled(apps: Any, name: str = "web") -> Any:
    """The Deployment once the controller has caught up (the fake's lag is one read)."""
    apps.read_namespaced_deployment(name, "green")
    return apps.read_namespaced_deployment(name, "green")


def condition(deployment: Any, kind: str) -> Any:
    return next((c for c in deployment.status.conditions or [] if c.type == kind), None)


# --- served kinds ----------------------------------------------------------------------------------


def test_every_namespace_starts_with_the_default_service_account_and_the_root_ca(core):
    accounts = core.list_namespaced_service_account("green").items
    config_maps = core.list_namespaced_config_map("green").items
    assert [a.metadata.name for a in accounts] == ["default"]
    assert [c.metadata.name for c in config_maps] == ["kube-root-ca.crt"]


def test_secrets_store_string_data_as_base64_data(core):
    # When
    created = core.create_namespaced_secret(
        "green", {"metadata": {"name": "db"}, "stringData": {"password": "s3cr3t"}}
    )
    # Then
    assert created.type == "Opaque"
    assert created.data == {"password": "czNjcjN0"}
    assert created.string_data is None


def test_secret_data_must_be_base64_like_the_apiserver_decodes_it(core):
    with pytest.raises(ApiException) as failed:
        core.create_namespaced_secret(
            "green", {"metadata": {"name": "db"}, "data": {"password": "not base64!"}}
        )
    body = json.loads(failed.value.body or "null")
    assert failed.value.status == 422
    assert body["details"]["causes"][0]["field"] == "data[password]"


def test_config_maps_and_service_accounts_round_trip(core):
    core.create_namespaced_config_map("green", {"metadata": {"name": "web"}, "data": {"LOG_LEVEL": "info"}})
    core.create_namespaced_service_account("green", {"metadata": {"name": "web"}})
    core.patch_namespaced_config_map("web", "green", {"data": {"LOG_LEVEL": "debug"}})
    assert core.read_namespaced_config_map("web", "green").data == {"LOG_LEVEL": "debug"}
    assert core.read_namespaced_service_account("web", "green").metadata.name == "web"


def test_metadata_only_reads_carry_no_secret_data(kube, core, api_client):
    # Given
    core.create_namespaced_secret("green", {"metadata": {"name": "db"}, "stringData": {"password": "s3cr3t"}})
    # When
    request = api_client.param_serialize(
        method="GET",
        resource_path="/api/v1/namespaces/green/secrets/db",
        header_params={"Accept": METADATA_ONLY},
    )
    response = api_client.call_api(*request)
    response.read()
    body = json.loads(response.data)
    # Then
    assert (body["kind"], body["apiVersion"]) == ("PartialObjectMetadata", "meta.k8s.io/v1")
    assert body["metadata"]["name"] == "db"
    assert "data" not in body
    assert b"czNjcjN0" not in response.data


# --- pods that cannot start ------------------------------------------------------------------------


def test_a_missing_service_account_keeps_the_replica_set_from_creating_pods(apps):
    # When
    apps.create_namespaced_deployment("green", web({"serviceAccountName": "web"}))
    deployment = settled(apps)
    # Then
    assert deployment.status.observed_generation == 1
    assert (deployment.status.updated_replicas or 0, deployment.status.available_replicas or 0) == (0, 0)
    failure = condition(deployment, "ReplicaFailure")
    assert (failure.status, failure.reason) == ("True", "FailedCreate")
    assert 'serviceaccount "web" not found' in failure.message


def test_a_missing_secret_in_env_leaves_the_pods_not_ready_until_it_exists(apps, core):
    # Given pods that read a Secret green does not have
    apps.create_namespaced_deployment("green", web(env_from_secret("db")))
    blocked = settled(apps)
    # When the Secret appears, the kubelet's retry starts the containers
    core.create_namespaced_secret("green", {"metadata": {"name": "db"}, "stringData": {"password": "x"}})
    started = settled(apps)
    # Then
    assert blocked.status.observed_generation == 1
    assert (blocked.status.updated_replicas, blocked.status.available_replicas or 0) == (2, 0)
    assert blocked.status.unavailable_replicas == 2
    assert condition(blocked, "Available").status == "False"
    assert condition(blocked, "Progressing").reason == "ReplicaSetUpdated"
    assert started.status.available_replicas == 2
    assert condition(started, "Progressing").reason == "NewReplicaSetAvailable"


def test_a_missing_key_in_an_existing_secret_also_blocks(apps, core):
    core.create_namespaced_secret("green", {"metadata": {"name": "db"}, "stringData": {"user": "x"}})
    apps.create_namespaced_deployment("green", web(env_from_secret("db", key="password")))
    assert settled(apps).status.available_replicas in (None, 0)


def test_an_optional_reference_never_blocks(apps):
    apps.create_namespaced_deployment("green", web(env_from_secret("db", optional=True)))
    assert settled(apps).status.available_replicas == 2


@pytest.mark.parametrize(
    "pod_spec",
    [
        {"containers": [{"name": "app", "image": "a:1", "envFrom": [{"configMapRef": {"name": "web"}}]}]},
        {"volumes": [{"name": "config", "configMap": {"name": "web"}}]},
        {"volumes": [{"name": "tls", "secret": {"secretName": "web-tls"}}]},
        {"volumes": [{"name": "all", "projected": {"sources": [{"secret": {"name": "web-tls"}}]}}]},
        {"imagePullSecrets": [{"name": "registry"}]},
    ],
    ids=["envFrom", "configMap volume", "secret volume", "projected", "imagePullSecrets"],
)
def test_every_kind_of_reference_blocks_when_missing(apps, pod_spec):
    apps.create_namespaced_deployment("green", web(pod_spec))
    deployment = settled(apps)
    assert deployment.status.observed_generation == 1
    assert deployment.status.available_replicas in (None, 0)


def test_a_blocked_new_version_keeps_the_old_pods_serving(apps, core):
    # Given a running version
    apps.create_namespaced_deployment("green", web({}))
    settled(apps)
    # When the new version reads a ConfigMap that is missing
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "image": "shop/web:2", "envFrom": [{"configMapRef": {"name": "web"}}]}
                    ]
                }
            }
        }
    }
    apps.patch_namespaced_deployment("web", "green", patch)
    deployment = settled(apps)
    # Then
    assert deployment.status.observed_generation == 2
    assert (deployment.status.replicas, deployment.status.updated_replicas) == (3, 1)
    assert deployment.status.available_replicas == 2
    assert condition(deployment, "Available").status == "True"
