"""The ALBs' IP addresses change; the gateway follows them (and survives DNS failing) through real nginx.

The ALB names resolve through a resolver the test controls (nginx itself never resolves them: the
agent renders the IP addresses). The "moved" ALB is a second backend on 127.0.0.2, same port.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bluegreen.gateway.harness import Backends

pytestmark = pytest.mark.nginx

RESOLVE_SECONDS = 0.2


class Dns:
    """Answers from a table the test edits; a name mapped to None fails like an unreachable DNS."""

    def __init__(self, table: dict[str, list[str] | None]) -> None:
        self.table = table
        self.lookups = 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups += 1
        answer = self.table.get(host)
        if answer is None:
            raise OSError(f"[Errno -3] Temporary failure in name resolution: {host}")
        return list(answer)


@pytest.fixture
def moved_blue_alb(backends: Backends) -> Iterator[ThreadingHTTPServer]:
    """Where the blue ALB "moves to": 127.0.0.2 on the blue port, answering X-Color: blue, body "moved"."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            body = b"moved\n"
            self.send_response(200)
            self.send_header("X-Color", "blue")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.2", backends.blue_port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("mode", ["runtime", "reload"])
def test_the_gateway_follows_an_alb_to_its_new_addresses_and_keeps_them_when_dns_fails(
    make_gateway, backends: Backends, moved_blue_alb: ThreadingHTTPServer, mode: str
):
    # Given a gateway whose upstreams are ALB names, serving blue from the blue ALB at 127.0.0.1
    dns = Dns({"blue-alb.test": ["127.0.0.1"], "green-alb.test": ["127.0.0.1"]})
    gateway = make_gateway(
        mode,
        upstreams={
            "blue": f"blue-alb.test:{backends.blue_port}",
            "green": f"green-alb.test:{backends.green_port}",
            "resolve_seconds": RESOLVE_SECONDS,
        },
        resolver=dns,
    )
    gateway.wait_serving(live="blue")
    assert gateway.live().body == "blue\n"
    assert f"server 127.0.0.1:{backends.blue_port};" in gateway.layout.site_path.read_text()

    # When the blue ALB's name starts resolving to its new address
    dns.table["blue-alb.test"] = ["127.0.0.2"]

    # Then live traffic reaches the ALB at its new address, preprod is untouched, no error is reported
    gateway.wait_bodies(live="moved\n", preprod="green\n")
    assert f"server 127.0.0.2:{backends.blue_port};" in gateway.layout.site_path.read_text()
    assert "error" not in gateway.wait_ack(color="blue", parameter_version=1)

    # When DNS stops answering for the blue ALB
    dns.table["blue-alb.test"] = None

    # Then the gateway keeps the last addresses, says so in its acknowledgement, and keeps switching
    ack = gateway.wait_ack(error="cannot resolve the blue upstream blue-alb.test")
    assert f"still using 127.0.0.2:{backends.blue_port}" in ack["error"]
    gateway.wait_bodies(live="moved\n", preprod="green\n")
    version = gateway.put("green")
    gateway.wait_serving(live="green")
    gateway.wait_ack(color="green", parameter_version=version)
    gateway.wait_bodies(live="green\n", preprod="moved\n")
    assert gateway.agent is not None
    assert gateway.agent.failures == 0  # DNS trouble never slows the polls down
