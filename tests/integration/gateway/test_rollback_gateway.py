"""Rollback after the workflow through a real gateway: an alarm's event reaches the rollback handler,
and real nginx with the real agent serves the old colour again (moto server, fake Kubernetes API)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bluegreen.adapters.kube import StaticApiClientFactory
from bluegreen.colors import Color
from bluegreen.config import load_config
from bluegreen.local.cluster import seed_cluster
from bluegreen.local.fake_kube import FakeKubeServer
from bluegreen.local.rollback_rig import (
    alarm_event,
    arm_finished_release,
    create_alarm,
    create_releases_table,
    rig_config,
    rig_runtime,
)
from bluegreen.local.workflow import FakeContext
from lambdas import alarm_rollback

MYAPP = Path(__file__).resolve().parents[3] / "config" / "myapp.yaml"
ALARM = "myapp-prod-payment-failures"


@pytest.fixture
def kube() -> Iterator[FakeKubeServer]:
    with FakeKubeServer() as server:
        yield server


def test_alarm_puts_live_traffic_back_on_the_old_colour_through_nginx(
    make_gateway: Any, moto_url: str, kube: FakeKubeServer
) -> None:
    # Given a gateway serving green after a release from blue, its rollback window open
    gateway = make_gateway("runtime", initial="blue")
    config = rig_config(
        load_config(MYAPP),
        parameter_name=gateway.config.parameter_name,
        gateway_ids=[gateway.config.gateway_id],
        confirm_timeout_seconds=10,
    )
    seed_cluster(kube, config)
    releases = f"releases-{uuid.uuid4().hex[:8]}"
    create_releases_table(moto_url, releases)
    cloudwatch = create_alarm(moto_url, ALARM)
    rt = rig_runtime(
        config,
        endpoint_url=moto_url,
        releases_table=releases,
        acks_table=gateway.config.ack_table,
        kube=StaticApiClientFactory(kube.client_configuration()),
    )
    version = gateway.put("green")
    gateway.wait_serving("green")
    gateway.wait_ack(color="green", parameter_version=version)
    arm_finished_release(rt, "release-v2", Color.BLUE)

    # When the payment alarm fires and its state change reaches the rollback handler
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="payment failures")
    context: Any = FakeContext("AlarmRollback")
    result = alarm_rollback.handler(alarm_event(cloudwatch, ALARM), context, rt=rt)

    # Then the gateway acknowledged the flip, and every live response comes from blue again
    assert result["status"] == "rolled_back", result
    assert result["gateways_confirmed"] is True
    gateway.wait_serving("blue")
    assert {gateway.live().color for _ in range(20)} == {"blue"}
    record = rt.releases.get_record("release-v2") or {}
    assert record["rollback"]["alarm"] == ALARM
    assert record["active_color"] == "blue"
