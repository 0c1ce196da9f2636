"""A release copies Deployments only: when the idle namespace lacks a ServiceAccount, ConfigMap or
Secret the new pods would need, the release is refused at once, naming each one, instead of
stalling until its rollout timeout (the fake cluster, like kubelet, never starts such pods)."""

from __future__ import annotations

from typing import Any

import boto3
import yaml
from kubernetes import client

from tests.integration.release_world import REPO, World, release_world

BUCKET = "myapp-release-artifacts"


def live_payment_needs(world: World, pod_spec: dict[str, Any], objects: list[dict[str, Any]]) -> None:
    """blue (live) runs payment with `pod_spec` merged in and has `objects`; green has no payment yet."""
    world.kube.seed([{**o, "metadata": {**o["metadata"], "namespace": "blue"}} for o in objects])
    apps = client.AppsV1Api(world.workflow.kube())
    apps.patch_namespaced_deployment("payment", "blue", {"spec": {"template": {"spec": pod_spec}}})
    world.kube.complete_rollout("blue", "payment")
    world.kube.delete_object("Deployment", "green", "payment")


SECRET_ENV: dict[str, Any] = {
    "serviceAccountName": "payment",
    "containers": [
        {
            "name": "payment",
            "image": f"{REPO}/payment:v1",
            "env": [
                {
                    "name": "DB_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "payment-db", "key": "password"}},
                }
            ],
        }
    ],
}
PAYMENT_OBJECTS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "payment"}},
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "payment-db"},
        "stringData": {"password": "x"},
    },
]


def test_a_secret_and_service_account_only_live_has_refuse_the_release_before_the_cluster_changes() -> None:
    with release_world() as world:
        # Given payment's pods read a Secret and run as a ServiceAccount that only blue has
        live_payment_needs(world, SECRET_ENV, PAYMENT_OBJECTS)
        # When
        release_id, execution = world.release("v2", approve=False)
        # Then the release fails in Deploy, naming both objects, where they are used and that blue has them
        assert execution["status"] == "FAILED"
        record = world.workflow.record(release_id)
        assert record["outcome"] == "failed"
        reason = record["reason"]
        assert "namespace green lacks what the pods of Deployment payment need" in reason
        assert "ServiceAccount payment (serviceAccountName; blue: exists there)" in reason
        assert "Secret payment-db (containers[payment].env[DB_PASSWORD]; blue: exists there)" in reason
        assert {(m["kind"], m["name"]) for m in record["missing_in_idle"]} == {
            ("ServiceAccount", "payment"),
            ("Secret", "payment-db"),
        }
        # ... before writing anything to green, and without waiting for a rollout
        assert world.kube.get_object("Deployment", "green", "payment") is None
        assert world.image("green", "user-login") == f"{REPO}/user-login:v0"
        assert not [i for i in world.workflow.aws.invocations if i.function == "CheckRollout"]


def test_once_the_idle_namespace_has_them_the_same_release_succeeds() -> None:
    with release_world() as world:
        # Given the platform created them in green too
        live_payment_needs(world, SECRET_ENV, PAYMENT_OBJECTS)
        world.kube.seed([{**o, "metadata": {**o["metadata"], "namespace": "green"}} for o in PAYMENT_OBJECTS])
        world.kube.clear_requests()
        # When
        _, execution = world.release("v2")
        # Then
        assert execution["status"] == "SUCCEEDED"
        assert world.image("green", "payment") == f"{REPO}/payment:v2"
        # Deploy looked at the Secret as metadata only: the release never received its data
        secret_reads = [r for r in world.kube.requests if "/secrets/" in r.path]
        assert secret_reads
        assert all("as=PartialObjectMetadata" in (r.accept or "") for r in secret_reads)


def test_an_optional_reference_only_live_has_is_a_warning_not_a_refusal() -> None:
    with release_world() as world:
        optional_env = {
            "containers": [
                {
                    "name": "payment",
                    "image": f"{REPO}/payment:v1",
                    "envFrom": [{"configMapRef": {"name": "payment-flags", "optional": True}}],
                }
            ]
        }
        flags = [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "payment-flags"},
                "data": {"A": "1"},
            }
        ]
        live_payment_needs(world, optional_env, flags)
        release_id, execution = world.release("v2")
        assert execution["status"] == "SUCCEEDED"
        (warning,) = world.workflow.record(release_id)["deploy_warnings"]
        assert warning == (
            "Deployment payment in green starts without the optional ConfigMap payment-flags "
            "(containers[payment].envFrom[0]; blue: exists there)"
        )


def release_with_manifests(
    world: World, manifests: list[dict[str, Any]], approve: bool
) -> tuple[str, dict[str, Any]]:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="v2/manifests.yaml", Body=yaml.safe_dump_all(manifests))
    return world.release("v2", approve=approve, manifests=f"s3://{BUCKET}/v2/manifests.yaml")


def payment_manifest(config_map: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "payment", "labels": {"app": "payment"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "payment"}},
            "template": {
                "metadata": {"labels": {"app": "payment"}},
                "spec": {
                    "containers": [{"name": "payment", "image": f"{REPO}/payment:v2"}],
                    "volumes": [{"name": "config", "configMap": {"name": config_map}}],
                },
            },
        },
    }


def test_a_manifest_that_mounts_a_config_map_nobody_has_is_refused() -> None:
    with release_world() as world:
        release_id, execution = release_with_manifests(
            world, [payment_manifest("payment-3ds")], approve=False
        )
        assert execution["status"] == "FAILED"
        reason = world.workflow.record(release_id)["reason"]
        assert "ConfigMap payment-3ds (volumes[config]; blue: missing there too)" in reason


def test_a_config_map_the_manifests_bring_counts_as_present() -> None:
    with release_world() as world:
        config_map = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "payment-3ds"},
            "data": {"v": "2"},
        }
        _, execution = release_with_manifests(
            world, [config_map, payment_manifest("payment-3ds")], approve=True
        )
        assert execution["status"] == "SUCCEEDED"
        assert world.kube.get_object("ConfigMap", "green", "payment-3ds") is not None
