"""A release may carry full manifests (S3): they are server-side applied to the idle namespace,
then the release's images go on top."""

from __future__ import annotations

import boto3
import yaml

from tests.integration.release_world import REPO, release_world

MANIFESTS = [
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "payment", "labels": {"app": "payment"}},
        "spec": {"selector": {"app": "payment"}, "ports": [{"port": 80, "targetPort": 8080}]},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "payment", "labels": {"app": "payment"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "payment"}},
            "template": {
                "metadata": {"labels": {"app": "payment"}},
                "spec": {
                    "containers": [
                        {
                            "name": "payment",
                            "image": f"{REPO}/payment:v2",
                            "env": [{"name": "THREE_DS_V2", "value": "on"}],
                        }
                    ]
                },
            },
        },
    },
]


def test_manifests_are_applied_to_the_idle_namespace_only() -> None:
    with release_world() as world:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="myapp-release-artifacts")
        s3.put_object(
            Bucket="myapp-release-artifacts", Key="v2/manifests.yaml", Body=yaml.safe_dump_all(MANIFESTS)
        )

        _, execution = world.release("v2", manifests="s3://myapp-release-artifacts/v2/manifests.yaml")

        assert execution["status"] == "SUCCEEDED", execution
        service = world.kube.get_object("Service", "green", "payment")
        assert service is not None
        payment = world.kube.get_object("Deployment", "green", "payment")
        assert payment is not None
        container = next(
            c for c in payment["spec"]["template"]["spec"]["containers"] if c["name"] == "payment"
        )
        assert {"name": "THREE_DS_V2", "value": "on"} in container["env"]
        assert container["image"] == f"{REPO}/payment:v2"
        # blue, live, is untouched
        assert world.kube.get_object("Service", "blue", "payment") is None
        assert world.image("blue", "payment") == f"{REPO}/payment:v1"


def test_manifests_from_another_bucket_are_refused_before_the_cluster() -> None:
    with release_world() as world:
        world.kube.clear_requests()
        release_id, execution = world.release(
            "v2", approve=False, manifests="s3://someone-elses-bucket/x.yaml"
        )
        assert execution["status"] == "FAILED"
        assert world.kube.requests == []
        record = world.workflow.record(release_id)
        assert "manifests: must be in s3://myapp-release-artifacts/" in record["reason"]
