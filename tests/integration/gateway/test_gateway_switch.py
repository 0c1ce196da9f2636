"""Switching colour through a real nginx, in both modes; preprod always follows the idle colour."""

from __future__ import annotations

import http.client
import socket
from datetime import datetime

import pytest

from bluegreen.gateway.harness import wait_until

pytestmark = pytest.mark.nginx


@pytest.mark.parametrize("mode", ["runtime", "reload"])
def test_switch_moves_live_to_the_new_colour_and_preprod_to_the_old(make_gateway, mode):
    # Given a gateway serving blue on the live host and green on preprod
    gateway = make_gateway(mode)
    gateway.wait_serving(live="blue")

    # When the parameter is switched to green
    version = gateway.put("green")

    # Then nginx serves green live and blue on preprod, and the ack says so, without error
    gateway.wait_serving(live="green")
    ack = gateway.wait_ack(color="green", parameter_version=version)
    assert ack["mode"] == mode
    assert ack["gateway_id"] == "gw-test"
    assert ack["parameter_name"] == gateway.config.parameter_name
    assert "error" not in ack
    assert datetime.fromisoformat(ack["applied_at"]).utcoffset() is not None
    assert datetime.fromisoformat(ack["heartbeat_at"]) >= datetime.fromisoformat(ack["applied_at"])

    # And back again
    version = gateway.put("blue")
    gateway.wait_serving(live="blue")
    gateway.wait_ack(color="blue", parameter_version=version)


def test_runtime_switch_does_not_reload_nginx(make_gateway):
    # Given a runtime-mode gateway; the admin location names the worker that answered
    gateway = make_gateway("runtime")
    worker_before = gateway.admin()["pid"]

    # When the colour changes twice
    gateway.put("green")
    gateway.wait_serving(live="green")
    version = gateway.put("blue")
    gateway.wait_serving(live="blue")

    # Then the same worker serves (a reload would have replaced it) and the dict holds the version
    status = gateway.admin()
    assert status == {"color": "blue", "source": "dict", "version": version, "pid": worker_before}


def test_heartbeat_advances_on_every_poll_while_nothing_changes(make_gateway):
    gateway = make_gateway("runtime")
    first = gateway.ack()
    assert first is not None

    def advanced() -> bool:
        ack = gateway.ack()
        return ack is not None and ack["heartbeat_at"] > first["heartbeat_at"]

    wait_until(advanced, timeout=5, what="a newer heartbeat")
    ack = gateway.ack()
    assert ack is not None
    assert ack["applied_at"] == first["applied_at"]
    assert ack["parameter_version"] == 1


def test_reload_mode_acknowledges_a_version_only_bump_without_reloading(make_gateway):
    # Given a reload-mode gateway serving blue
    gateway = make_gateway("reload")
    site_before = gateway.layout.site_path.read_text()

    # When the parameter is rewritten with the same colour (new version)
    version = gateway.put("blue")

    # Then the new version is acknowledged and the include was not rewritten (so no reload)
    gateway.wait_ack(color="blue", parameter_version=version)
    assert gateway.layout.site_path.read_text() == site_before


def test_runtime_admin_location_refuses_anything_but_a_colour_and_a_version(make_gateway):
    gateway = make_gateway("runtime")
    gateway.wait_serving(live="blue")

    def put(query: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", gateway.layout.admin_port, timeout=2)
        try:
            connection.request("PUT", f"/bluegreen/color?{query}")
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    # Lua validates too (defence in depth): nothing but blue/green and a positive integer version
    for query in (
        "color=purple&version=9",
        "color=Green&version=9",
        "color=green",
        "color=green&version=x1",
        "color=green&version=0",
        "color=&version=3",
    ):
        assert put(query) == 400, query
    assert gateway.live().color == "blue"
    assert gateway.preprod().color == "green"


def test_admin_location_listens_on_127_0_0_1_only(make_gateway):
    gateway = make_gateway("runtime")
    site = gateway.layout.site_path.read_text()
    assert f"listen 127.0.0.1:{gateway.layout.admin_port};" in site
    assert "allow 127.0.0.1;\n    deny all;" in site
    # 127.0.0.2 is loopback too, but not the address the admin server binds
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.2", gateway.layout.admin_port), timeout=1),
    ):
        pass
