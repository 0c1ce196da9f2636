"""The release workflow end to end: moto executes the real ASL with the real handlers; the official
kubernetes client talks to the fake API server over HTTP (fake-apiserver tests, not EKS tests)."""

from __future__ import annotations

from tests.integration.release_world import release_world

REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/myapp"


def test_release_v2_reaches_green_and_flips_traffic() -> None:
    # Given myapp v1 live on blue, and green running a stale v0
    with release_world() as world:
        assert world.active_color() == "blue"

        # When the pipeline releases v2 and an approver approves
        release_id, execution = world.release("v2")

        # Then every service runs v2 in green, with blue's replica count, sidecars kept
        assert execution["status"] == "SUCCEEDED", execution
        for service in ("payment", "user-login", "user-profile"):
            assert world.image("green", service) == f"{REPO}/{service}:v2"
            assert world.image("blue", service) == f"{REPO}/{service}:v1"
            green = world.kube.get_object("Deployment", "green", service)
            assert green is not None
            assert green["spec"]["replicas"] == 2
            assert world.image("green", service, "envoy") == "envoyproxy/envoy:v1.31.0"
        # traffic is on green, the gateways acknowledged that version, the lock is free
        assert world.active_color() == "green"
        record = world.workflow.record(release_id)
        switch_version = record["parameter_versions"]["switch"]
        acks = world.workflow.runtime.require_acks().all()
        assert {a.gateway_id for a in acks} == {"gw-a", "gw-b"}
        assert all(a.color == "green" and (a.parameter_version or 0) >= switch_version for a in acks)
        assert world.lock_holder() is None
        # and the record tells the whole story
        assert record["outcome"] == "succeeded"
        assert record["colors"] == {"before": "blue", "target": "green", "after": "green"}
        assert record["triggered_by"] == "ci-pipeline"
        assert record["approval"]["status"] == "approved"
        assert record["approval"]["votes"][0]["approver"] == "approver@myapp.com"
        assert record["smoke"]["passed"] is True
        for step in (
            "prepared",
            "deployed",
            "rolled_out",
            "smoke_tested",
            "approval_requested",
            "approved",
            "pre_switch_checked",
            "switched",
            "gateways_confirmed",
            "baked",
            "finished",
        ):
            assert step in record["steps"], step
        # and the smoke tests went through the preprod host
        assert "/payment/health" in world.preprod.hits


def test_release_of_one_service_brings_the_others_to_what_is_live() -> None:
    # Given green runs a stale v0 of every service
    with release_world() as world:
        # When only payment changes
        _, execution = world.release("v2-payment", images={"payment": f"{REPO}/payment:v2"})

        # Then green runs payment v2 and the live v1 of the others, not the stale v0
        assert execution["status"] == "SUCCEEDED", execution
        assert world.image("green", "payment") == f"{REPO}/payment:v2"
        assert world.image("green", "user-login") == f"{REPO}/user-login:v1"
        assert world.image("green", "user-profile") == f"{REPO}/user-profile:v1"


def test_second_release_goes_back_to_blue() -> None:
    with release_world() as world:
        _, first = world.release("v2")
        _, second = world.release("v3")
        assert first["status"] == second["status"] == "SUCCEEDED"
        assert world.active_color() == "blue"
        assert world.image("blue", "payment") == f"{REPO}/payment:v3"
