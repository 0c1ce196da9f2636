"""Seed the fake Kubernetes API server with the configured app as it runs before a release."""

from __future__ import annotations

from typing import Any

from bluegreen.colors import Color
from bluegreen.config import AppConfig
from bluegreen.local.fake_kube import FakeKubeServer


def deployment(name: str, container: str, image: str, replicas: int, sidecar: bool = True) -> dict[str, Any]:
    containers: list[dict[str, Any]] = [
        {"name": container, "image": image, "ports": [{"containerPort": 8080}]}
    ]
    if sidecar:
        containers.append({"name": "envoy", "image": "envoyproxy/envoy:v1.31.0"})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": containers}},
        },
    }


def seed_cluster(
    server: FakeKubeServer,
    config: AppConfig,
    *,
    active: Color | None = None,
    version: str = "v1",
    idle_version: str = "v0",
    replicas: int = 2,
) -> None:
    """Both namespaces exist; the active colour (default: the config's `initial_color`, which the
    parameter starts on) runs `version` with `replicas` pods per service, the idle colour an older
    `idle_version` scaled to one pod (as a previous release left it)."""
    live = config.initial_color if active is None else active
    objects: list[dict[str, Any]] = []
    for color in Color:
        namespace = config.namespaces.of(color)
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        for service in config.services:
            tag, count = (version, replicas) if color is live else (idle_version, 1)
            body = deployment(
                service.deployment_name, service.container_name, f"{service.repository}:{tag}", count
            )
            body["metadata"]["namespace"] = namespace
            objects.append(body)
    server.seed(objects)
    for color in Color:
        for service in config.services:
            server.complete_rollout(config.namespaces.of(color), service.deployment_name)
