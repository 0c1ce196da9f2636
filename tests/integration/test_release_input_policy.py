"""Hostile or careless release input is refused, recorded, and never reaches the cluster: control
characters, an input too large for Step Functions, S3 keys that are not what they look like, and
manifests that would add images from elsewhere or objects of other kinds."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
import yaml

from tests.integration.release_world import REPO, World, release_world

STEP_FUNCTIONS_STATE_LIMIT = 256 * 1024
"""AWS: 'Maximum input or output size for a task, state, or execution: 256 KiB of data as a UTF-8
encoded string' — over it, the execution fails with States.DataLimitExceeded. moto does not check
it, so this test does, on every state's data in the execution history."""


def assert_every_state_within_the_limit(world: World, execution_arn: str) -> None:
    for event in world.workflow.history(execution_arn):
        for key, details in event.items():
            if not key.endswith("EventDetails") or not isinstance(details, dict):
                continue
            for field in ("input", "output", "parameters"):
                value = details.get(field)
                if isinstance(value, str):
                    size = len(value.encode("utf-8"))
                    assert size <= STEP_FUNCTIONS_STATE_LIMIT, f"{event['type']}.{field} is {size} bytes"


def refused(world: World, release_input: dict[str, Any]) -> dict[str, Any]:
    world.kube.clear_requests()
    arn = world.workflow.start(release_input)
    assert world.workflow.wait_for_end(arn)["status"] == "FAILED"
    record = world.workflow.record(arn.rsplit(":", 1)[-1])
    assert record["outcome"] == "refused", record
    assert world.kube.requests == []  # nothing touched the cluster
    assert world.lock_holder() is None
    return record


def test_an_oversized_input_is_refused_and_recorded_within_step_functions_limits() -> None:
    with release_world() as world:
        # Given an input just under StartExecution's own limit: thousands of unknown services
        images = {f"svc-{n:05d}": f"{REPO}/svc-{n:05d}:v2" for n in range(2400)}
        release_input = {"version": "v2", "triggered_by": "ci-pipeline", "images": images}
        assert 150_000 < len(json.dumps(release_input)) < STEP_FUNCTIONS_STATE_LIMIT - 20_000
        world.kube.clear_requests()
        arn = world.workflow.start(release_input)
        assert world.workflow.wait_for_end(arn)["status"] == "FAILED"
        # Then it is refused with the size, recorded, and no state outgrew Step Functions' limit
        record = world.workflow.record(arn.rsplit(":", 1)[-1])
        assert record["outcome"] == "refused"
        assert "the limit is 16,384" in record["reason"]
        assert world.kube.requests == []
        assert_every_state_within_the_limit(world, arn)


def test_many_problems_are_listed_up_to_a_bound() -> None:
    with release_world() as world:
        images = {f"svc-{n}": f"{REPO}/svc-{n}:v2" for n in range(60)}
        record = refused(world, {"version": "v2", "triggered_by": "ci-pipeline", "images": images})
        assert "and 40 more problems" in record["reason"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("triggered_by", "ci-pipeline\n:white_check_mark: approved by the CTO"),
        ("change_ref", "CHG-1\r\nrelease v9 is live"),
        ("triggered_by", "alice\u202eecila"),  # right-to-left override
        ("change_ref", "CHG-1\u2028forged line"),
        ("version", "v2\x00"),
    ],
)
def test_control_characters_are_refused_in_every_string_field(field: str, value: str) -> None:
    with release_world() as world:
        record = refused(world, {"version": "v2", "triggered_by": "ci-pipeline", field: value})
        assert f"{field}: contains a control or invisible character" in record["reason"]
        # and the news that went out never carried the forged line
        for notification in world.workflow.aws.notifier.sent:
            assert value not in notification.text


def test_a_control_character_in_an_image_is_refused() -> None:
    with release_world() as world:
        record = refused(
            world, {"version": "v2", "triggered_by": "ci", "images": {"payment": f"{REPO}/payment:v2\n"}}
        )
        assert "images.payment: contains a control" in record["reason"]


@pytest.mark.parametrize(
    "key",
    ["../other-app/all.yaml", "v2/../../x.yaml", "v2/./all.yaml", "v2//all.yaml", "/v2/all.yaml", ""],
)
def test_manifest_keys_that_are_not_normal_are_refused_before_the_lock(key: str) -> None:
    with release_world() as world:
        record = refused(
            world,
            {"version": "v2", "triggered_by": "ci", "manifests": f"s3://myapp-release-artifacts/{key}"},
        )
        assert "manifests:" in record["reason"]
        assert "prepared" not in record.get("steps", {})  # Prepare refused it: no lock was taken


def deployment(name: str, pod: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod},
        },
    }


PAYMENT = {"name": "payment", "image": f"{REPO}/payment:v2"}
HOSTILE = {
    "sidecar from another registry": [
        deployment("payment", {"containers": [PAYMENT, {"name": "miner", "image": "evil.example/miner:1"}]})
    ],
    "init container from another registry": [
        deployment(
            "payment",
            {"initContainers": [{"name": "x", "image": "docker.io/busybox:1"}], "containers": [PAYMENT]},
        )
    ],
    "ephemeral container from another registry": [
        deployment(
            "payment",
            {"ephemeralContainers": [{"name": "x", "image": "docker.io/busybox:1"}], "containers": [PAYMENT]},
        )
    ],
    "unpinned image": [
        deployment("payment", {"containers": [{"name": "payment", "image": f"{REPO}/payment"}]})
    ],
    "a new Deployment": [deployment("crypto-miner", {"containers": [PAYMENT]})],
    "a Secret": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "stringData": {"a": "b"}}],
    "a ClusterRoleBinding": [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "x"},
        }
    ],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_manifests_may_add_no_foreign_image_and_no_other_kind(case: str) -> None:
    with release_world() as world:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="myapp-release-artifacts")
        benign = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "payment"},
            "spec": {"selector": {"app": "payment"}, "ports": [{"port": 80}]},
        }
        s3.put_object(
            Bucket="myapp-release-artifacts",
            Key="v2/all.yaml",
            Body=yaml.safe_dump_all([benign, *HOSTILE[case]]),
        )
        world.kube.clear_requests()
        release_id, execution = world.release(
            "v2", approve=False, manifests="s3://myapp-release-artifacts/v2/all.yaml"
        )
        assert execution["status"] == "FAILED"
        record = world.workflow.record(release_id)
        assert record["outcome"] == "refused"
        assert "manifests[1]" in record["reason"]
        # nothing of the manifests was applied, not even the benign Service before it
        assert world.kube.get_object("Service", "green", "payment") is None
        assert [r for r in world.kube.requests if r.method == "PATCH"] == []
