"""Releases refused in Prepare: bad input fails before any Kubernetes call; one release at a time."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.release_world import APPROVER, REPO, release_world

BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    ("missing version", {"triggered_by": "ci"}, "version: Field required"),
    (
        "unknown service",
        {"version": "v2", "triggered_by": "ci", "images": {"billing": f"{REPO}/billing:v2"}},
        "images.billing: unknown service",
    ),
    (
        "image outside the repository",
        {"version": "v2", "triggered_by": "ci", "images": {"payment": "docker.io/evil/payment:v2"}},
        "images.payment: 'docker.io/evil/payment:v2' is outside the configured repository",
    ),
    (
        "malformed tag",
        {"version": "v2", "triggered_by": "ci", "images": {"payment": f"{REPO}/payment:-bad!"}},
        "images.payment",
    ),
    (
        "malformed version",
        {"version": "v 2", "triggered_by": "ci"},
        "version: 'v 2' is not a valid image tag",
    ),
    (
        "untagged image",
        {"version": "v2", "triggered_by": "ci", "images": {"payment": f"{REPO}/payment"}},
        "neither a tag nor a digest",
    ),
    ("wrong type", {"version": 2, "triggered_by": "ci"}, "version: Input should be a valid string"),
    (
        "wrong type for images",
        {"version": "v2", "triggered_by": "ci", "images": ["payment"]},
        "images: Input should be a valid dictionary",
    ),
    (
        "unknown field",
        {"version": "v2", "triggered_by": "ci", "force": True},
        "force: Extra inputs are not permitted",
    ),
]


@pytest.mark.parametrize(("case", "release_input", "expected"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused_before_touching_the_cluster(
    case: str, release_input: dict[str, Any], expected: str
) -> None:
    with release_world() as world:
        world.kube.clear_requests()
        arn = world.workflow.start(release_input)
        execution = world.workflow.wait_for_end(arn)
        assert execution["status"] == "FAILED"
        # nothing was asked of the cluster, traffic and lock untouched
        assert world.kube.requests == []
        assert world.active_color() == "blue"
        assert world.lock_holder() is None
        # the refusal is recorded, naming the field
        record = world.workflow.record(arn.rsplit(":", 1)[-1])
        assert record["outcome"] == "refused"
        assert record["error_type"] == "ReleaseInputError"
        assert expected in record["reason"], record["reason"]


def test_second_release_while_one_runs_is_refused_naming_the_running_one() -> None:
    with release_world() as world:
        # Given a release waiting for approval
        first = world.workflow.start({"version": "v2", "triggered_by": "ci"})
        first_id = first.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(first_id)
        # When another release of myapp/prod starts
        second = world.workflow.start({"version": "v3", "triggered_by": "ci"})
        ended = world.workflow.wait_for_end(second)
        # Then it is refused at once, naming the running execution, and leaves the lock alone
        assert ended["status"] == "FAILED"
        record = world.workflow.record(second.rsplit(":", 1)[-1])
        assert record["outcome"] == "refused"
        assert first in record["reason"]
        assert world.lock_holder() == first
        # and the first release carries on to the end
        world.workflow.decide(first_id, "approve", APPROVER)
        assert world.workflow.wait_for_end(first)["status"] == "SUCCEEDED"
        assert world.image("green", "payment").endswith(":v2")
        assert world.lock_holder() is None


def test_lock_left_by_an_execution_that_is_no_longer_running_is_taken_over() -> None:
    with release_world() as world:
        # Given a lock held by an execution that ended without releasing it
        stale = "arn:aws:states:us-east-1:123456789012:execution:myapp-prod-release:crashed-long-ago"
        releases = world.workflow.runtime.releases
        releases.acquire_lock("myapp", "prod", stale, "crashed-long-ago", lambda arn: False)
        releases.create_record("crashed-long-ago", {"status": "RUNNING", "app": "myapp"})
        assert world.lock_holder() == stale
        # When a new release starts, it takes the lock over and completes
        release_id, execution = world.release("v2")
        assert execution["status"] == "SUCCEEDED"
        assert world.workflow.record(release_id)["took_over_lock_from"] == stale
        # and the stale release's record is completed, not left RUNNING forever
        stale_record = world.workflow.record("crashed-long-ago")
        assert stale_record["outcome"] == "aborted"
        assert release_id in stale_record["reason"]
        assert world.lock_holder() is None
