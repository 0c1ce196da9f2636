"""Bad input never reaches nginx: the last good colour serves on, the error is acknowledged, with backoff."""

from __future__ import annotations

import itertools
import json

import pytest

from bluegreen.gateway.harness import wait_until

pytestmark = pytest.mark.nginx

GARBAGE = ["purple", "Blue", " green", "green\n", "blue,green"]


@pytest.mark.parametrize(("mode", "garbage"), [("runtime", GARBAGE), ("reload", ["GREEN", "null"])])
def test_values_that_are_not_exactly_a_colour_are_refused(make_gateway, mode, garbage):
    # Given a gateway serving blue at parameter version 1
    gateway = make_gateway(mode)
    site_before = gateway.layout.site_path.read_text()

    for value in garbage:
        # When the parameter holds something that is not exactly blue or green
        version = gateway.put(value)

        # Then the ack names the refused value and version, and keeps the last applied colour and version
        ack = gateway.wait_ack(error=f"version {version} holds {value!r}")
        assert ack["color"] == "blue"
        assert ack["parameter_version"] == 1
        assert "still serving blue (parameter version 1)" in ack["error"]
        # And nginx still serves blue, with an unchanged include
        assert gateway.live().color == "blue"
        assert gateway.preprod().color == "green"
        assert gateway.layout.site_path.read_text() == site_before

    # When a valid colour comes back, it is applied and the error clears
    version = gateway.put("green")
    gateway.wait_serving(live="green")
    gateway.wait_ack(color="green", parameter_version=version, error=None)


def test_an_empty_value_is_refused(make_gateway):
    # SSM itself refuses to store "", so the proxy in front of moto plays a response carrying one
    gateway = make_gateway("runtime")
    gateway.ssm_proxy.override_value = ""

    gateway.wait_ack(error="holds '', not exactly 'blue' or 'green'", color="blue", parameter_version=1)
    assert gateway.live().color == "blue"

    gateway.ssm_proxy.override_value = None
    gateway.wait_ack(error=None, color="blue")


def test_a_vanished_parameter_keeps_the_last_colour(make_gateway):
    gateway = make_gateway("runtime")
    gateway.put("green")
    gateway.wait_serving(live="green")

    # When the parameter is deleted
    gateway.delete_parameter()

    # Then the gateway keeps green and says the parameter is gone
    ack = gateway.wait_ack(error="not found")
    assert ack["color"] == "green"
    assert ack["parameter_version"] == 2
    assert gateway.live().color == "green"

    # When it is created again (its version starts again at 1), that value is applied
    gateway.put("blue")
    gateway.wait_serving(live="blue")
    gateway.wait_ack(color="blue", parameter_version=1, error=None)


def test_throttled_ssm_keeps_serving_and_backs_off(make_gateway):
    gateway = make_gateway("runtime")
    gateway.ssm_proxy.mode = "throttle"
    start = len(gateway.ssm_proxy.calls("GetParameter"))

    # Then the throttling is acknowledged and blue keeps serving
    gateway.wait_ack(error="ThrottlingException", color="blue", parameter_version=1)
    assert gateway.live().color == "blue"

    # And the agent backs off: after a few throttled polls the gap between two GetParameter calls is
    # at least half the backoff ceiling (a lower bound the agent guarantees, not a timing measurement)
    def throttled_calls() -> list[float]:
        calls = gateway.ssm_proxy.calls("GetParameter")[start:]
        return [moment for moment, _, _ in calls] if len(calls) >= 5 else []

    moments = wait_until(throttled_calls, timeout=15, what="five throttled GetParameter calls")
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert max(gaps) >= 0.4 - 0.05, gaps  # BACKOFF_MAX_SECONDS / 2, minus scheduling slack
    assert gateway.agent is not None
    assert gateway.agent.failures >= 4

    # When SSM answers again, a switch made meanwhile is applied
    version = gateway.put("green")
    gateway.ssm_proxy.mode = "pass"
    gateway.wait_serving(live="green")
    gateway.wait_ack(color="green", parameter_version=version, error=None)


def test_a_gateway_that_loses_ssm_keeps_serving_and_catches_up(make_gateway):
    # Given a gateway serving blue, then SSM becomes unreachable
    gateway = make_gateway("runtime")
    gateway.ssm_proxy.mode = "down"
    first = gateway.wait_ack(error="SSM unreachable")

    # When the colour is switched while it cannot see SSM
    version = gateway.put("green")

    # Then it keeps serving blue, heartbeats (it is alive) and says why it lags
    def newer_heartbeat() -> bool:
        ack = gateway.ack()
        return ack is not None and ack["heartbeat_at"] > first["heartbeat_at"]

    wait_until(newer_heartbeat, timeout=5, what="a heartbeat during the SSM outage")
    ack = gateway.ack()
    assert ack is not None
    assert ack["color"] == "blue"
    assert ack["parameter_version"] == 1
    assert "SSM unreachable" in ack["error"]
    assert gateway.live().color == "blue"

    # When SSM is back, it catches up and clears the error
    gateway.ssm_proxy.mode = "pass"
    gateway.wait_serving(live="green")
    gateway.wait_ack(color="green", parameter_version=version, error=None)


def test_an_unreachable_ack_table_does_not_stop_the_switch_and_is_reported_after(make_gateway):
    # Given the acknowledgement table becomes unreachable
    gateway = make_gateway("runtime")
    gateway.dynamodb_proxy.mode = "down"
    failed_before = len(gateway.dynamodb_proxy.calls("PutItem"))
    wait_until(
        lambda: len(gateway.dynamodb_proxy.calls("PutItem")) >= failed_before + 2,
        timeout=5,
        what="failed ack writes",
    )

    # When the colour is switched, nginx follows even though nothing can be acknowledged
    version = gateway.put("green")
    gateway.wait_serving(live="green")
    assert gateway.ack()["color"] == "blue"

    # When the table is back, the ack catches up, and the first write after the outage reported it
    gateway.dynamodb_proxy.mode = "pass"
    gateway.wait_ack(color="green", parameter_version=version, error=None)
    errors = [
        json.loads(body)["Item"].get("error", {}).get("S", "")
        for _, _, body in gateway.dynamodb_proxy.calls("PutItem")
    ]
    assert any("acknowledgement table unreachable from" in error for error in errors), errors


def test_a_configuration_nginx_refuses_never_replaces_the_running_one(make_gateway):
    # Given a reload-mode gateway serving blue, and an operator breaks nginx.conf
    gateway = make_gateway("reload")
    conf = gateway.layout.conf
    good = conf.read_text()
    conf.write_text(good + "\nthis_is_not_a_directive on;\n")
    site_before = gateway.layout.site_path.read_text()

    # When the colour is switched
    version = gateway.put("green")

    # Then `nginx -t` refuses, the include is put back, nginx keeps serving blue, and the ack says why
    ack = gateway.wait_ack(error="nginx -t rejected the configuration")
    assert "this_is_not_a_directive" in ack["error"]
    assert ack["color"] == "blue"
    assert ack["parameter_version"] == 1
    assert gateway.layout.site_path.read_text() == site_before
    assert gateway.live().color == "blue"
    assert gateway.preprod().color == "green"

    # When nginx.conf is fixed, the switch goes through
    conf.write_text(good)
    gateway.wait_serving(live="green")
    gateway.wait_ack(color="green", parameter_version=version, error=None)
