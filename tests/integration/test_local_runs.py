"""The local runs take the app from its config: the fake cluster starts with the configured initial
colour live, and `make demo-quick CONFIG=...` releases the second example app with its own smoke
suite, namespaces, gateways and approvers (fake-apiserver and moto, in process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.config import load_config
from bluegreen.local import demo
from bluegreen.local.cluster import seed_cluster
from bluegreen.local.fake_kube import FakeKubeServer

BILLPAY = Path(__file__).resolve().parents[2] / "config" / "billpay.yaml"


def test_the_cluster_is_seeded_with_the_configured_initial_colour_live() -> None:
    # Given billpay, whose parameter starts on green (namespace billpay-slot-b)
    config = load_config(BILLPAY)
    with FakeKubeServer() as kube:
        # When the local cluster is seeded
        seed_cluster(kube, config)
        # Then green runs the current version at full size, blue a stale one scaled down
        live = kube.get_object("Deployment", "billpay-slot-b", "checkout-api")
        idle = kube.get_object("Deployment", "billpay-slot-a", "checkout-api")
    assert live is not None
    assert idle is not None
    assert live["spec"]["template"]["spec"]["containers"][0]["image"].endswith("/checkout:v1")
    assert live["spec"]["replicas"] == 2
    assert idle["spec"]["template"]["spec"]["containers"][0]["image"].endswith("/checkout:v0")
    assert idle["spec"]["replicas"] == 1


def test_demo_quick_releases_the_second_app_with_its_own_smoke_suite(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # When the in-process demo runs config/billpay.yaml
    code = demo.run("v2", BILLPAY)
    out = capsys.readouterr().out
    # Then its suite passed against the stand-ins, both approvers approved, and traffic moved to blue
    assert code == 0, out
    assert "smoke tests: Smoke tests PASSED" in out
    assert "4/4 scenarios, 9/9 steps passed" in out
    assert (
        # two people: a session of the person-session role, and the mapped duty lead
        "approving as arn:aws:sts::210987654321:assumed-role/billpay-release-managers/"
        "approver-1@billpay.rehearsal, "
        "arn:aws:iam::210987654321:user/ops/billpay-duty-lead"
    ) in out
    assert (
        "ConfirmGateways        confirmed: edge-fra-1=blue v2, edge-fra-2=blue v2, edge-fra-3=blue v2" in out
    )
    assert "api.billpay.example: green -> blue" in out
    assert "billpay-slot-a/checkout-api: checkout:v2" in out
    assert "myapp" not in out
