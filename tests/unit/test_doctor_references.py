"""What must exist in each namespace: the live pods' references in the live namespace, and in the
idle one too when the release will create its Deployment from the live one; keys included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bluegreen.colors import Color
from bluegreen.config import load_config
from bluegreen.doctor.checks import Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.images import split_image
from bluegreen.doctor.result import Status
from bluegreen.doctor.workloads import check_references

CONFIG = Path(__file__).resolve().parents[2] / "config" / "myapp.yaml"


class Objects:
    """Objects by (kind, namespace, name), as the cluster would answer."""

    def __init__(self, objects: dict[tuple[str, str, str], dict[str, Any]]) -> None:
        self.objects = objects

    def referenced(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.objects.get((kind, namespace, name))


def env() -> DoctorEnv:
    def unused(*args: Any) -> Any:
        raise AssertionError("no client is needed")

    return DoctorEnv(
        config=load_config(CONFIG), aws=unused, region="eu-west-1", kube=unused, slack=unused, stack_name="s"
    )


def payment(env_from: str) -> dict[str, Any]:
    container = {
        "name": "payment",
        "envFrom": [{"configMapRef": {"name": env_from}}],
        "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
    }
    return {"spec": {"template": {"spec": {"containers": [container]}}}}


def run(color: Color, objects: Objects, idle_payment: dict[str, Any] | None) -> dict[str, tuple[Status, str]]:
    deployments: dict[Color, dict[str, dict[str, Any] | None]] = {
        Color.BLUE: {"payment": payment("payment-env")},
        Color.GREEN: {"payment": idle_payment},
    }
    checks = Checks()
    check_references(env(), objects, color, Color.BLUE, deployments, checks)
    return {r.check: (r.status, r.detail) for r in checks.results}


LIVE_ONLY = Objects(
    {
        ("ConfigMap", "blue", "payment-env"): {"data": {"A": "1"}},
        ("Secret", "blue", "db"): {"data": {"password": "cw=="}},
        ("Secret", "green", "db"): {"data": {"user": "dQ=="}},
    }
)


def test_present_with_their_keys_in_the_live_namespace() -> None:
    assert run(Color.BLUE, LIVE_ONLY, None) == {
        "references in blue": (Status.OK, "2 ServiceAccount/ConfigMap/Secret(s) present")
    }


def test_the_idle_namespace_needs_them_when_its_deployment_will_be_a_copy() -> None:
    results = run(Color.GREEN, LIVE_ONLY, None)
    assert results["configmap green/payment-env"][0] is Status.FAIL
    assert results["configmap green/payment-env"][1].startswith("missing, referenced by Deployment payment")
    assert results["secret green/db"] == (
        Status.FAIL,
        "lacks key(s) password, referenced by Deployment payment: the containers would not start",
    )


def test_an_existing_idle_deployment_keeps_its_own_references() -> None:
    objects = Objects({**LIVE_ONLY.objects, ("ConfigMap", "green", "payment-env-old"): {"data": {}}})
    results = run(
        Color.GREEN,
        objects,
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "payment", "envFrom": [{"configMapRef": {"name": "payment-env-old"}}]}
                        ]
                    }
                }
            }
        },
    )
    assert results == {"references in green": (Status.OK, "1 ServiceAccount/ConfigMap/Secret(s) present")}


def test_image_references_split_into_repository_and_ecr_image_id() -> None:
    repo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/log-shipper"
    assert split_image(f"{repo}:3.1") == (repo, {"imageTag": "3.1"})
    assert split_image(f"{repo}@sha256:abc") == (repo, {"imageDigest": "sha256:abc"})
    assert split_image("localhost:5000/app") == ("localhost:5000/app", {"imageTag": "latest"})
