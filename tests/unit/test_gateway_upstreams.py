"""Resolving the ALB names: what gets rendered, what a DNS failure keeps, the background refresh."""

from __future__ import annotations

import threading

import pytest

from bluegreen.colors import Color
from bluegreen.gateway.config import parse_gateway_config
from bluegreen.gateway.harness import wait_until
from bluegreen.gateway.render import render_reload_site, render_runtime_site
from bluegreen.gateway.upstreams import (
    ResolvingUpstreams,
    StaticUpstreams,
    UpstreamServers,
    split_address,
    system_resolver,
)


class Dns:
    def __init__(self, **table: list[str] | None) -> None:
        self.table = {host.replace("_", "-"): answer for host, answer in table.items()}
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        answer = self.table.get(host)
        if answer is None:
            raise OSError("Temporary failure in name resolution")
        return answer


def test_each_alb_renders_as_its_sorted_unique_ip_addresses():
    dns = Dns(blue_alb=["10.0.2.7", "10.0.1.5", "10.0.2.7"], green_alb=["10.0.3.9"])
    upstreams = ResolvingUpstreams("blue-alb:80", "green-alb:8080", 60, dns)

    upstreams.refresh()

    assert upstreams.servers() == UpstreamServers(
        blue=("10.0.1.5:80", "10.0.2.7:80"), green=("10.0.3.9:8080",)
    )
    assert dns.asked == [("blue-alb", 80), ("green-alb", 8080)]
    assert upstreams.problems() == []


def test_before_any_answer_the_configured_names_are_used():
    upstreams = ResolvingUpstreams("blue-alb:80", "green-alb:80", 60, Dns())

    assert upstreams.servers() == UpstreamServers(blue=("blue-alb:80",), green=("green-alb:80",))
    upstreams.refresh()
    assert upstreams.servers() == UpstreamServers(blue=("blue-alb:80",), green=("green-alb:80",))
    assert upstreams.problems() == [
        "cannot resolve the blue upstream blue-alb (Temporary failure in name resolution); "
        "still using blue-alb:80",
        "cannot resolve the green upstream green-alb (Temporary failure in name resolution); "
        "still using green-alb:80",
    ]


def test_a_failed_or_empty_lookup_keeps_the_last_addresses_and_says_so():
    # Given both ALBs resolved once
    dns = Dns(blue_alb=["10.0.1.5"], green_alb=["10.0.3.9"])
    upstreams = ResolvingUpstreams("blue-alb:80", "green-alb:80", 60, dns)
    upstreams.refresh()

    # When blue's lookup fails and green's comes back empty
    dns.table["blue-alb"] = None
    dns.table["green-alb"] = []
    upstreams.refresh()

    # Then the last good addresses stay, and each problem is reported
    assert upstreams.servers() == UpstreamServers(blue=("10.0.1.5:80",), green=("10.0.3.9:80",))
    problems = upstreams.problems()
    assert "still using 10.0.1.5:80" in problems[0]
    assert "green upstream green-alb (no IPv4 address)" in problems[1]

    # And once DNS answers again the problems are gone
    dns.table["blue-alb"] = ["10.0.1.6"]
    dns.table["green-alb"] = ["10.0.3.9"]
    upstreams.refresh()
    assert upstreams.problems() == []
    assert upstreams.servers().of(Color.BLUE) == ("10.0.1.6:80",)


def test_the_background_refresh_follows_dns_until_stopped():
    dns = Dns(blue_alb=["10.0.1.5"], green_alb=["10.0.3.9"])
    upstreams = ResolvingUpstreams("blue-alb:80", "green-alb:80", 0.01, dns)
    stop = threading.Event()
    upstreams.start(stop)
    try:
        dns.table["blue-alb"] = ["10.0.1.99"]
        wait_until(lambda: upstreams.servers().blue == ("10.0.1.99:80",), timeout=5, what="refresh")
    finally:
        stop.set()


def test_static_upstreams_leave_resolution_to_nginx():
    upstreams = StaticUpstreams("blue-alb:80", "green-alb:80")
    upstreams.refresh()
    assert upstreams.servers() == UpstreamServers(blue=("blue-alb:80",), green=("green-alb:80",))
    assert upstreams.problems() == []


def test_the_system_resolver_resolves_an_ip_literal_to_itself():
    assert system_resolver("127.0.0.1", 80) == ["127.0.0.1"]


@pytest.mark.parametrize(("address", "split"), [("alb:8080", ("alb", 8080)), ("alb", ("alb", 80))])
def test_split_address(address, split):
    assert split_address(address) == split


@pytest.mark.parametrize("mode", ["runtime", "reload"])
def test_every_address_becomes_a_server_line_of_its_colour(mode):
    config = parse_gateway_config(
        {
            "parameter_name": "/bluegreen/myapp/prod/active-color",
            "ack_table": "acks",
            "mode": mode,
            "domains": {"live": "myapp.com", "preprod": "preprod.myapp.com"},
            "upstreams": {"blue": "blue-alb:80", "green": "green-alb:80"},
        },
        "gateway.yaml",
    )
    servers = UpstreamServers(blue=("10.0.1.5:80", "10.0.2.7:80"), green=("10.0.3.9:80",))

    site = (
        render_runtime_site(config, servers)
        if mode == "runtime"
        else render_reload_site(config, Color.BLUE, servers)
    )

    blue_block = site.split("upstream bluegreen_blue {")[1].split("}")[0]
    green_block = site.split("upstream bluegreen_green {")[1].split("}")[0]
    assert "    server 10.0.1.5:80;\n    server 10.0.2.7:80;\n" in blue_block
    assert "server 10.0.3.9:80;" in green_block
    assert "alb" not in blue_block + green_block
