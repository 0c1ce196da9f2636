"""Fake-apiserver tests of the deployment controller the fake plays: the hooks that complete or stall a
rollout, the modes, and the lag before the controller writes a status (counted in reads)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from kubernetes import client

from bluegreen.local.fake_kube import FakeKubeServer, RolloutMode

NAMESPACE_AND_WEB = """
apiVersion: v1
kind: Namespace
metadata: {name: green}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: green, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: "shop/web:1.0.0"}]
"""


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
    server.auto_complete = False
    server.controller_lag = 1
    server.seed_yaml(NAMESPACE_AND_WEB)
    return server


@pytest.fixture
def apps(api_client, kube) -> Any:
    return client.AppsV1Api(api_client)


def new_image(apps: Any, image: str = "shop/web:2.0.0") -> Any:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}
    return apps.patch_namespaced_deployment("web", "green", patch)


def condition(status: Any, kind: str) -> Any:
    return next(c for c in status.conditions if c.type == kind)


def test_manual_by_default_the_rollout_waits_until_completed(apps, kube):
    # Given
    new_image(apps)
    waiting = apps.read_namespaced_deployment_status("web", "green")
    # When
    kube.complete_rollout("green", "web")
    done = apps.read_namespaced_deployment_status("web", "green")
    # Then
    assert waiting.metadata.generation == 2
    assert waiting.status.observed_generation is None
    assert done.status.observed_generation == 2
    assert (done.status.replicas, done.status.updated_replicas, done.status.ready_replicas) == (2, 2, 2)
    assert done.status.available_replicas == 2
    assert done.status.unavailable_replicas is None
    assert condition(done.status, "Available").reason == "MinimumReplicasAvailable"
    assert condition(done.status, "Progressing").status == "True"
    assert condition(done.status, "Progressing").reason == "NewReplicaSetAvailable"
    assert done.metadata.generation == 2


def test_auto_complete_finishes_every_spec_change_one_read_later(apps, kube):
    # Given
    kube.auto_complete = True
    # When
    response = new_image(apps)
    first = apps.read_namespaced_deployment_status("web", "green")
    second = apps.read_namespaced_deployment_status("web", "green")
    # Then
    assert response.status.observed_generation is None, "the write returns before the controller acts"
    assert first.metadata.generation == 2
    assert first.status.observed_generation is None, "the first read still sees the old status"
    assert second.status.observed_generation == second.metadata.generation == 2
    assert second.status.updated_replicas == 2


def test_a_stale_status_keeps_the_previous_rollouts_conditions_until_the_controller_catches_up(apps, kube):
    # Given a rollout that passed its progress deadline, then a new spec
    new_image(apps)
    kube.stall_rollout("green", "web")
    kube.auto_complete = True
    new_image(apps, "shop/web:3.0.0")
    # When
    stale = apps.read_namespaced_deployment("web", "green")
    fresh = apps.read_namespaced_deployment("web", "green")
    # Then: kubectl rollout status would wait here, not fail
    assert (stale.metadata.generation, stale.status.observed_generation) == (3, 2)
    assert condition(stale.status, "Progressing").reason == "ProgressDeadlineExceeded"
    assert fresh.status.observed_generation == 3
    assert condition(fresh.status, "Progressing").reason == "NewReplicaSetAvailable"


def test_listing_counts_as_a_read_and_a_longer_lag_takes_more_reads(apps, kube):
    # Given
    kube.auto_complete = True
    kube.controller_lag = 3
    new_image(apps)
    # When
    seen = [
        apps.list_namespaced_deployment("green").items[0].status.observed_generation,
        apps.read_namespaced_deployment_scale("web", "green").status.replicas,
        apps.read_namespaced_deployment("web", "green").status.observed_generation,
        apps.read_namespaced_deployment("web", "green").status.observed_generation,
    ]
    # Then
    assert seen == [None, 0, None, 2]


def test_without_a_lag_the_status_comes_with_the_write(apps, kube):
    kube.auto_complete = True
    kube.controller_lag = 0
    new_image(apps)
    read = apps.read_namespaced_deployment_status("web", "green")
    assert read.status.observed_generation == 2


def test_the_test_hook_get_object_is_not_a_read(apps, kube):
    kube.auto_complete = True
    new_image(apps)
    for _ in range(3):
        stored = kube.get_object("Deployment", "green", "web")
        assert stored is not None
        assert "observedGeneration" not in stored["status"]


def test_auto_complete_constructor_argument_completes_created_deployments():
    with FakeKubeServer(auto_complete=True) as fake, fake.api_client() as api:
        fake.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "blue"}}])
        body = client.V1Deployment(
            metadata=client.V1ObjectMeta(name="api"),
            spec=client.V1DeploymentSpec(
                selector=client.V1LabelSelector(match_labels={"app": "api"}),
                template=client.V1PodTemplateSpec(
                    metadata=client.V1ObjectMeta(labels={"app": "api"}),
                    spec=client.V1PodSpec(containers=[client.V1Container(name="api", image="api:1")]),
                ),
            ),
        )
        apps = client.AppsV1Api(api)
        apps.create_namespaced_deployment("blue", body)
        apps.read_namespaced_deployment("api", "blue")
        stored = fake.get_object("Deployment", "blue", "api")
    assert stored is not None
    assert stored["status"]["observedGeneration"] == 1
    assert stored["status"]["availableReplicas"] == 1


def test_stall_rollout_shows_progress_deadline_exceeded(apps, kube):
    # Given
    new_image(apps)
    # When
    kube.stall_rollout("green", "web")
    status = apps.read_namespaced_deployment_status("web", "green").status
    # Then
    assert status.observed_generation == 2
    assert status.updated_replicas < status.replicas
    assert status.available_replicas < status.replicas
    progressing = condition(status, "Progressing")
    assert progressing.status == "False"
    assert progressing.reason == "ProgressDeadlineExceeded"
    assert progressing.message.startswith('ReplicaSet "web-')
    assert progressing.message.endswith('" has timed out progressing.')


def test_stall_without_deadline_is_still_progressing(apps, kube):
    new_image(apps)
    kube.stall_rollout("green", "web", deadline_exceeded=False)
    status = apps.read_namespaced_deployment_status("web", "green").status
    assert condition(status, "Progressing").status == "True"
    assert condition(status, "Progressing").reason == "ReplicaSetUpdated"
    assert status.updated_replicas < status.replicas


def test_per_deployment_mode_overrides_the_default_on_the_next_spec_change(apps, kube):
    # Given
    kube.auto_complete = True
    kube.set_rollout_mode("green", "web", "stall")
    # When
    apps.patch_namespaced_deployment("web", "green", {"metadata": {"labels": {"touched": "yes"}}})
    after_label = apps.read_namespaced_deployment_status("web", "green").status
    apps.read_namespaced_deployment_status("web", "green")
    after_label_again = apps.read_namespaced_deployment_status("web", "green").status
    new_image(apps)
    apps.read_namespaced_deployment_status("web", "green")
    after_image = apps.read_namespaced_deployment_status("web", "green").status
    # Then
    assert after_label.observed_generation is None, "a label change is no spec change"
    assert after_label_again.observed_generation is None
    assert condition(after_image, "Progressing").reason == "ProgressDeadlineExceeded"
    kube.set_rollout_mode("green", "web", RolloutMode.MANUAL)
    new_image(apps, "shop/web:3.0.0")
    for _ in range(2):
        assert apps.read_namespaced_deployment_status("web", "green").status.observed_generation == 2


def test_scaling_is_a_spec_change_the_controller_acts_on(apps, kube):
    kube.auto_complete = True
    apps.patch_namespaced_deployment_scale("web", "green", {"spec": {"replicas": 5}})
    apps.read_namespaced_deployment_status("web", "green")
    status = apps.read_namespaced_deployment_status("web", "green").status
    assert (status.observed_generation, status.ready_replicas) == (2, 5)


def test_seed_keeps_a_given_status_and_get_object_returns_a_copy(kube):
    # Given
    kube.seed(
        [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "old", "namespace": "blue"},
                "spec": {
                    "selector": {"matchLabels": {"app": "old"}},
                    "template": {
                        "metadata": {"labels": {"app": "old"}},
                        "spec": {"containers": [{"name": "a", "image": "a:1"}]},
                    },
                },
                "status": {"observedGeneration": 1, "readyReplicas": 1},
            }
        ]
    )
    # When
    seeded = kube.get_object("Deployment", "blue", "old")
    assert seeded is not None
    seeded["spec"]["replicas"] = 99
    # Then
    assert seeded["status"] == {"observedGeneration": 1, "readyReplicas": 1}
    assert kube.get_object("Namespace", None, "blue") is not None, "seeding creates the namespace"
    again = kube.get_object("deployments", "blue", "old")
    assert again is not None
    assert again["spec"]["replicas"] == 1


def test_hooks_on_a_missing_deployment_raise_lookup_error(kube):
    with pytest.raises(LookupError):
        kube.complete_rollout("green", "missing")


def test_on_change_reports_deployment_writes_outside_the_lock(apps, kube, api_client):
    # Given
    seen: list[tuple[str, str, str, int]] = []
    reads: list[str] = []

    def listener(event: str, namespace: str, deployment: dict[str, Any]) -> None:
        seen.append((event, namespace, deployment["metadata"]["name"], deployment["metadata"]["generation"]))

        # Another thread reading through HTTP would deadlock if the store lock were still held.
        def read() -> None:
            listed: Any = client.AppsV1Api(api_client).list_namespaced_deployment(namespace)
            reads.append(",".join(item.metadata.name for item in listed.items))

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(timeout=5)

    kube.on_change = listener
    try:
        # When
        new_image(apps)
        kube.complete_rollout("green", "web")
        apps.delete_namespaced_deployment("web", "green")
    finally:
        kube.on_change = None
    # Then
    assert seen == [
        ("MODIFIED", "green", "web", 2),
        ("MODIFIED", "green", "web", 2),
        ("DELETED", "green", "web", 2),
    ]
    assert reads == ["web", "web", ""]
