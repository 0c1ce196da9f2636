"""What a release's manifests may contain: allowed kinds only, no new Deployments, and every
container image under the same rule as the input's `images`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bluegreen.config import load_config
from bluegreen.errors import ReleaseInputError
from bluegreen.release.manifest_policy import check_manifests, manifest_problems

CONFIG = load_config(Path(__file__).resolve().parents[2] / "config" / "myapp.yaml")
REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/myapp"


def deployment(name: str = "payment", **pod: Any) -> dict[str, Any]:
    pod.setdefault("containers", [{"name": name, "image": f"{REPO}/{name}:v2"}])
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"template": {"spec": pod}},
    }


def test_the_services_deployments_services_configmaps_and_ingresses_pass() -> None:
    documents = [
        deployment("payment"),
        deployment("user-login"),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "payment"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flags"}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "api"}},
    ]
    assert manifest_problems(documents, CONFIG) == []
    assert len(check_manifests(yaml.safe_dump_all(documents), CONFIG)) == 5


@pytest.mark.parametrize("containers", ["containers", "initContainers", "ephemeralContainers"])
def test_every_container_list_is_checked(containers: str) -> None:
    pod = {containers: [{"name": "x", "image": "docker.io/library/busybox:1.36"}]}
    if containers != "containers":
        pod["containers"] = [{"name": "payment", "image": f"{REPO}/payment:v2"}]
    ((field, message),) = manifest_problems([deployment("payment", **pod)], CONFIG)
    assert field == f"manifests[0] (Deployment payment): spec.template.spec.{containers}[0].image"
    assert "outside the configured repository" in message


def test_a_service_may_not_use_another_services_repository() -> None:
    pod = {"containers": [{"name": "payment", "image": f"{REPO}/user-login:v2"}]}
    assert manifest_problems([deployment("payment", **pod)], CONFIG)


def test_configured_extra_repositories_allow_a_sidecar() -> None:
    config = CONFIG.model_copy(
        update={"manifest_repositories": ["public.ecr.aws/aws-observability/log-router"]}
    )
    sidecar = {"name": "logs", "image": "public.ecr.aws/aws-observability/log-router:2.1"}
    pod = {"containers": [{"name": "payment", "image": f"{REPO}/payment:v2"}, sidecar]}
    assert manifest_problems([deployment("payment", **pod)], config) == []
    assert manifest_problems([deployment("payment", **pod)], CONFIG)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}, "kind 'Secret' is not allowed"),
        ({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}, "kind 'Pod' is not allowed"),
        (deployment("miner"), "may not add Deployments"),
        ({"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "x"}}, "apiVersion"),
        ({"apiVersion": "v1", "kind": "Service", "metadata": {}}, "no metadata.name"),
        ("just text", "not a Kubernetes object"),
        (deployment("payment", containers=[{"name": "payment"}]), "needs an image"),
        (
            deployment("payment", containers=[{"name": "payment", "image": f"{REPO}/payment"}]),
            "neither a tag",
        ),
    ],
)
def test_what_is_refused(document: Any, expected: str) -> None:
    problems = manifest_problems([document], CONFIG)
    assert problems
    assert expected in problems[0][1]


def test_kinds_are_configurable() -> None:
    only_deployments = CONFIG.model_copy(update={"manifest_kinds": ["Deployment"]})
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "payment"}}
    assert manifest_problems([service], only_deployments)
    assert manifest_problems([service], CONFIG) == []


def test_invalid_yaml_is_a_refusal_naming_manifests() -> None:
    with pytest.raises(ReleaseInputError, match="manifests: not valid YAML"):
        check_manifests("a: [", CONFIG)
