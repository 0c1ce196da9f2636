"""TLS from the gateway to the ALBs through real nginx: encrypted, SNI set, the certificate verified.

The "ALBs" are the harness backends with an HTTPS listener presenting a certificate for myapp.com
signed by a throwaway test CA (`alb_ca`); they add `X-Tls: <protocol> <SNI name>` to every answer,
so a test sees what nginx negotiated. A certificate nginx cannot verify must never carry traffic:
nginx answers 502 instead.
"""

from __future__ import annotations

import http.client
from pathlib import Path
from typing import Any

import pytest

from bluegreen.gateway.harness import Backends, wait_until
from bluegreen.gateway.harness_tls import CertificateAuthority

pytestmark = pytest.mark.nginx

MODES = ["runtime", "reload"]


def tls_upstreams(backends: Backends, **tls: Any) -> dict[str, Any]:
    """`upstreams` overrides for make_gateway: these backends' ports, TLS on with `tls` settings."""
    return {
        "blue": f"127.0.0.1:{backends.blue_port}",
        "green": f"127.0.0.1:{backends.green_port}",
        "tls": {"enabled": True, **tls},
    }


def tls_header(port: int, host: str) -> str | None:
    """The backend's X-Tls header for one request through the gateway with this Host."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/", headers={"Host": host})
        response = connection.getresponse()
        response.read()
        return response.getheader("X-Tls")
    finally:
        connection.close()


def error_log(gateway: Any) -> str:
    path: Path = gateway.nginx.error_log
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


@pytest.mark.parametrize("mode", MODES)
def test_live_and_preprod_reach_the_albs_over_verified_tls_and_a_switch_follows(
    make_gateway, tls_backends: Backends, alb_ca: CertificateAuthority, mode: str
):
    # Given a gateway with TLS to ALBs that only speak HTTPS, trusting the CA that signed their certificate
    gateway = make_gateway(
        mode, upstreams=tls_upstreams(tls_backends, trusted_ca_file=str(alb_ca.certificate_path))
    )
    site = gateway.layout.site_path.read_text()
    assert "proxy_pass https://bluegreen_" in site
    assert site.count("proxy_ssl_verify on;") == 2

    # When requests arrive on both hosts
    gateway.wait_serving(live="blue")

    # Then live reaches the active colour and preprod the idle one, over TLS with the app's name as SNI
    gateway.wait_bodies(live="blue\n", preprod="green\n")
    port = gateway.layout.listen_port
    for host in ("myapp.com", "preprod.myapp.com"):
        negotiated = tls_header(port, host)
        assert negotiated is not None
        assert negotiated.split() in (["TLSv1.3", "myapp.com"], ["TLSv1.2", "myapp.com"])

    # When the active colour is switched to green
    version = gateway.put("green")

    # Then both hosts follow, still over verified TLS
    gateway.wait_serving(live="green")
    gateway.wait_ack(color="green", parameter_version=version, error=None)
    gateway.wait_bodies(live="green\n", preprod="blue\n")
    assert "upstream SSL" not in error_log(gateway)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("problem", ["certificate for another name", "certificate from an untrusted CA"])
def test_an_alb_certificate_that_does_not_verify_gets_a_502_and_no_traffic(
    make_gateway,
    tls_backends: Backends,
    alb_ca: CertificateAuthority,
    tmp_path: Path,
    mode: str,
    problem: str,
):
    # Given a gateway whose ALBs present a certificate it must not accept: the expected name is not on
    # it, or it was signed by a CA the gateway does not trust
    if problem == "certificate for another name":
        tls = {"trusted_ca_file": str(alb_ca.certificate_path), "server_name": "payments.example.com"}
        expected_log = 'upstream SSL certificate does not match "payments.example.com"'
    else:
        other_ca = CertificateAuthority.create(tmp_path / "other-ca", name="some other CA")
        tls = {"trusted_ca_file": str(other_ca.certificate_path)}
        expected_log = "upstream SSL certificate verify error"
    gateway = make_gateway(mode, upstreams=tls_upstreams(tls_backends, **tls))

    # When requests arrive on both hosts
    live, preprod = gateway.live(), gateway.preprod()

    # Then nginx refuses to proxy (502) and logs why; no backend answer gets through
    assert (live.status, live.color) == (502, None)
    assert (preprod.status, preprod.color) == (502, None)
    wait_until(lambda: expected_log in error_log(gateway), timeout=5, what=f"{expected_log!r} in the log")
    # The colour itself was applied: the failure is in the hop to the ALB, not in the switch
    assert gateway.admin()["color"] == "blue"


@pytest.mark.parametrize("mode", MODES)
def test_without_verification_an_untrusted_certificate_is_accepted_lab_only(
    make_gateway, tls_backends: Backends, tmp_path: Path, mode: str
):
    # Given a gateway trusting some other CA but with verification off (a lab setting)
    other_ca = CertificateAuthority.create(tmp_path / "other-ca", name="some other CA")
    gateway = make_gateway(
        mode,
        upstreams=tls_upstreams(tls_backends, trusted_ca_file=str(other_ca.certificate_path), verify=False),
    )

    # When requests arrive
    gateway.wait_serving(live="blue")

    # Then they are proxied over TLS anyway: this is why `verify: false` is never for production
    assert gateway.live().body == "blue\n"
    assert "proxy_ssl_verify off;" in gateway.layout.site_path.read_text()


@pytest.mark.parametrize("mode", MODES)
def test_plain_http_albs_fail_with_tls_enabled(
    make_gateway, backends: Backends, alb_ca: CertificateAuthority, mode: str
):
    # Given a gateway with TLS enabled in front of ALBs that only speak plain HTTP
    gateway = make_gateway(
        mode, upstreams=tls_upstreams(backends, trusted_ca_file=str(alb_ca.certificate_path))
    )

    # When requests arrive on both hosts
    live, preprod = gateway.live(), gateway.preprod()

    # Then nginx answers 502: it never falls back to plain HTTP
    assert (live.status, live.color) == (502, None)
    assert (preprod.status, preprod.color) == (502, None)
    wait_until(
        lambda: "SSL_do_handshake() failed" in error_log(gateway), timeout=5, what="the handshake error"
    )
