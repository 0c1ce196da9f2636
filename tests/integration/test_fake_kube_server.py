"""Fake-apiserver tests of the server itself: lifecycle, request log, discovery, dynamic client, threads."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
from kubernetes import client, dynamic

from bluegreen.local.fake_kube import FakeKubeServer

DynamicClient: Any = dynamic.DynamicClient  # the dynamic client has no type hints

WEB: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "blue", "labels": {"app": "web"}},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "web:1"}]},
        },
    },
}


@pytest.fixture
def kube():
    with FakeKubeServer() as fake:
        fake.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "blue"}}])
        yield fake


def test_request_log_records_the_bearer_token_and_can_be_cleared(kube):
    # Given
    with kube.api_client(token="s3cr3t") as with_token, kube.api_client() as without_token:
        # When
        client.CoreV1Api(with_token).read_namespace("blue")
        client.CoreV1Api(without_token).read_namespace("blue")
    # Then
    first, second = kube.requests
    assert (first.method, first.path) == ("GET", "/api/v1/namespaces/blue")
    assert first.has_bearer_token
    assert first.authorization == "Bearer s3cr3t"
    assert not second.has_bearer_token
    kube.clear_requests()
    assert kube.requests == []


def test_discovery_endpoints(kube):
    with kube.api_client() as api:
        version = client.VersionApi(api).get_code()
        groups = client.ApisApi(api).get_api_versions()
        core = client.CoreApi(api).get_api_versions()
    group_versions = {v.group_version for g in groups.groups for v in g.versions}
    assert version.major == "1"
    assert {"apps/v1", "networking.k8s.io/v1"} <= group_versions
    assert core.versions == ["v1"]
    with urllib.request.urlopen(f"{kube.url}/healthz", timeout=5) as response:
        assert response.read() == b"ok"


def test_dynamic_client_server_side_apply_and_list(kube):
    with kube.api_client() as api:
        deployments = DynamicClient(api).resources.get(api_version="apps/v1", kind="Deployment")
        created = deployments.server_side_apply(
            body=WEB, name="web", namespace="blue", field_manager="bluegreen"
        )
        changed = {**WEB, "metadata": {**WEB["metadata"], "labels": {"app": "web", "track": "blue"}}}
        updated = deployments.server_side_apply(
            body=changed, name="web", namespace="blue", field_manager="bluegreen"
        )
        listed = deployments.get(namespace="blue", label_selector="track=blue")
    assert created.metadata.generation == 1
    assert updated.metadata.generation == 1, "labels are metadata, not spec"
    assert [item.metadata.name for item in listed.items] == ["web"]


@pytest.mark.parametrize(
    ("method", "path", "code", "reason"),
    [
        ("GET", "/apis/batch/v1/namespaces/blue/jobs", 404, "NotFound"),
        ("GET", "/apis/apps/v1/namespaces/blue/deployments/web/logs", 404, "NotFound"),
        ("POST", "/api/v1/namespaces/blue", 405, "MethodNotAllowed"),
        ("GET", "/apis/apps/v1/namespaces/blue/deployments?watch=true", 400, "BadRequest"),
        ("GET", "/apis/apps/v1/deployments?fieldSelector=spec.replicas%3D1", 400, "BadRequest"),
    ],
)
def test_unsupported_requests_get_status_errors(kube, method, path, code, reason):
    request = urllib.request.Request(
        f"{kube.url}{path}", data=b"{}" if method == "POST" else None, method=method
    )
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=5)
    assert failed.value.code == code
    status = json.loads(failed.value.read())
    assert (status["kind"], status["reason"], status["code"]) == ("Status", reason, code)


def test_concurrent_writes_get_distinct_resource_versions(kube):
    # Given
    versions: list[str] = []
    errors: list[BaseException] = []

    def create(index: int) -> None:
        try:
            with kube.api_client() as api:
                body: Any = {**WEB, "metadata": {"name": f"web-{index}", "labels": {"app": "web"}}}
                apps: Any = client.AppsV1Api(api)
                versions.append(apps.create_namespaced_deployment("blue", body).metadata.resource_version)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    # When
    threads = [threading.Thread(target=create, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    # Then
    assert errors == []
    assert len(set(versions)) == 16


def test_stop_closes_the_port_and_ends_kept_alive_connections():
    # Given
    before = set(threading.enumerate())
    fake = FakeKubeServer().start()
    host, port = fake.url.removeprefix("http://").split(":")
    api: Any = fake.api_client()
    client.CoreV1Api(api).list_namespace()  # leaves a kept-alive connection in the client's pool
    # When
    fake.stop()
    # Then
    leftover = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert leftover == []
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port)), timeout=1):
        pass
    api.close()
    with pytest.raises(RuntimeError):
        _ = fake.url
