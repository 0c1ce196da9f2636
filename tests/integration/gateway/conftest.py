"""The gateway against real things on loopback: nginx (from Debian), colour backends, moto in server mode.

Each test gets its own gateway nginx, its own parameter and acknowledgement table, and its own
fault-injecting proxies in front of moto (SSM and DynamoDB separately), so it can make either
unreachable or throttled without touching the others.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import yaml

from bluegreen.gateway.agent import Agent
from bluegreen.gateway.config import GatewayConfig, parse_gateway_config
from bluegreen.gateway.factory import build_agent
from bluegreen.gateway.harness import (
    Backends,
    GatewayLayout,
    NginxProcess,
    Response,
    find_nginx,
    free_port,
    get,
    lua_modules_present,
    wait_until,
)
from bluegreen.gateway.harness_tls import CertificateAuthority
from bluegreen.gateway.upstreams import Resolver, system_resolver

POLL_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 0.8
REGION = "us-east-1"


def _missing(what: str) -> None:
    message = f"{what}; install it with: apt-get install -y nginx libnginx-mod-http-lua"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    binary = find_nginx()
    if binary is None:
        _missing("nginx is not installed")
    assert binary is not None
    if not lua_modules_present():
        _missing("the nginx Lua module (libnginx-mod-http-lua) is not installed")
    return binary


@pytest.fixture(scope="session", autouse=True)
def _aws_environment() -> Iterator[None]:
    """Fake credentials for moto; never a real account."""
    saved = {
        key: os.environ.get(key)
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    }
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    os.environ.pop("AWS_PROFILE", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def backends(nginx_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    started = Backends.start(nginx_binary, tmp_path_factory.mktemp("backends"))
    yield started
    started.stop()


@pytest.fixture(scope="session")
def alb_ca(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    """The test CA that signed the TLS backends' certificate (what a gateway's `trusted_ca_file` trusts)."""
    return CertificateAuthority.create(tmp_path_factory.mktemp("alb-ca"))


@pytest.fixture(scope="session")
def tls_backends(
    nginx_binary: str, alb_ca: CertificateAuthority, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backends]:
    """Blue and green "ALBs" with an HTTPS listener and the app's certificate (myapp.com, by alb_ca)."""
    root = tmp_path_factory.mktemp("tls-backends")
    certificate = alb_ca.issue(root / "tls", ["myapp.com"])
    started = Backends.start(nginx_binary, root, tls=certificate)
    yield started
    started.stop()


class FaultProxy:
    """HTTP proxy in front of moto that can play an AWS endpoint that is down or throttling.

    mode "pass" forwards; "down" drops every connection without an answer; "throttle" answers
    400 ThrottlingException (JSON protocol, as SSM does). `override_value` rewrites the Value of a
    GetParameter answer (SSM itself refuses an empty value, but a gateway must survive one).
    Every request's target and body is recorded.
    """

    def __init__(self, target_url: str) -> None:
        target = urlsplit(target_url)
        self.target_host = target.hostname or "127.0.0.1"
        self.target_port = target.port or 80
        self.mode = "pass"
        self.override_value: str | None = None
        self.requests: list[tuple[float, str, bytes]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                proxy._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        import time

        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        target = handler.headers.get("X-Amz-Target", "")
        with self._lock:
            self.requests.append((time.monotonic(), target, body))
            mode, override = self.mode, self.override_value
        if mode == "down":
            handler.close_connection = True
            return
        if mode == "throttle":
            payload = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
            self._reply(handler, 400, payload, "application/x-amz-json-1.1")
            return
        connection = http.client.HTTPConnection(self.target_host, self.target_port, timeout=10)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("connection", "host")}
            connection.request("POST", handler.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            content_type = response.getheader("Content-Type", "application/x-amz-json-1.1")
            status = response.status
        finally:
            connection.close()
        if override is not None and target.endswith(".GetParameter") and status == 200:
            data = json.loads(payload)
            data["Parameter"]["Value"] = override
            payload = json.dumps(data).encode()
        self._reply(handler, status, payload, content_type)

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, payload: bytes, content_type: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def calls(self, target_suffix: str) -> list[tuple[float, str, bytes]]:
        with self._lock:
            return [request for request in self.requests if request[1].endswith(target_suffix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Gateway:
    """One gateway under test: its nginx, its agent (in a thread), its parameter and ack table."""

    config: GatewayConfig
    config_path: Path
    layout: GatewayLayout
    nginx: NginxProcess
    ssm_proxy: FaultProxy
    dynamodb_proxy: FaultProxy
    ssm: Any  # direct moto clients, for the test's own puts and reads
    dynamodb: Any
    resolver: Resolver = system_resolver
    agent: Agent | None = None
    _stop: threading.Event | None = None
    _thread: threading.Thread | None = None
    _versions: list[int] = field(default_factory=list)

    # -- the parameter -------------------------------------------------------------------------
    def put(self, value: str) -> int:
        response = self.ssm.put_parameter(
            Name=self.config.parameter_name, Value=value, Type="String", Overwrite=True
        )
        version: int = response["Version"]
        return version

    def delete_parameter(self) -> None:
        self.ssm.delete_parameter(Name=self.config.parameter_name)

    # -- what nginx serves ---------------------------------------------------------------------
    def live(self) -> Response:
        return get(self.layout.listen_port, self.config.domains.live)

    def preprod(self) -> Response:
        return get(self.layout.listen_port, self.config.domains.preprod)

    def admin(self) -> dict[str, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.layout.admin_port, timeout=2)
        try:
            connection.request("GET", "/bluegreen/color")
            data: dict[str, Any] = json.loads(connection.getresponse().read())
            return data
        finally:
            connection.close()

    def wait_serving(self, live: str, timeout: float = 10.0) -> None:
        preprod = "green" if live == "blue" else "blue"

        def serving() -> bool:
            return self.live().color == live and self.preprod().color == preprod

        wait_until(serving, timeout=timeout, what=f"live={live} preprod={preprod}")

    def wait_bodies(self, live: str, preprod: str, timeout: float = 10.0, in_a_row: int = 5) -> None:
        """Wait until `in_a_row` fresh requests on each host all get these bodies.

        After a reload, old nginx workers may take a few more new connections until they handle
        the signal to stop; one matching answer does not mean every next one matches.
        """

        def settled() -> bool:
            return all(self.live().body == live and self.preprod().body == preprod for _ in range(in_a_row))

        wait_until(settled, timeout=timeout, what=f"bodies live={live!r} preprod={preprod!r}")

    # -- the acknowledgement ---------------------------------------------------------------------
    def ack(self) -> dict[str, Any] | None:
        item = self.dynamodb.get_item(
            TableName=self.config.ack_table,
            Key={"gateway_id": {"S": self.config.gateway_id}},
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        return {
            name: int(value["N"]) if "N" in value else next(iter(value.values()))
            for name, value in item.items()
        }

    def wait_ack(self, timeout: float = 10.0, **expected: Any) -> dict[str, Any]:
        """Wait for an ack with these attributes (`error="x"`: contains x; `error=None`: no error)."""

        def matches() -> dict[str, Any] | None:
            ack = self.ack()
            if ack is None:
                return None
            for name, want in expected.items():
                have = ack.get(name)
                if name == "error" and want is not None:
                    if have is None or want not in have:
                        return None
                elif have != want:
                    return None
            return ack

        found: dict[str, Any] = wait_until(
            matches, timeout=timeout, what=f"ack {expected}, last {self.ack()}"
        )
        return found

    # -- lifecycle -------------------------------------------------------------------------------
    def start_agent(self) -> Agent:
        assert self._thread is None, "agent already running"
        self.agent = build_agent(self.config, resolver=self.resolver)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.agent.run, args=(self._stop,), daemon=True)
        self._thread.start()
        return self.agent

    def stop_agent(self) -> None:
        if self._thread is None or self._stop is None:
            return
        self._stop.set()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "agent thread did not stop"
        self._thread = None

    def start_nginx(self) -> None:
        self.nginx.start(ready_port=self.layout.listen_port)

    def restart_nginx(self) -> None:
        self.nginx.stop()
        self.start_nginx()

    def close(self) -> None:
        self.stop_agent()
        self.nginx.stop()
        self.ssm_proxy.close()
        self.dynamodb_proxy.close()


@pytest.fixture
def make_gateway(nginx_binary: str, backends: Backends, moto_url: str, tmp_path: Path) -> Iterator[Any]:
    """make_gateway(mode, initial="blue", start=True, upstreams=None, resolver=system_resolver): a
    bootstrapped gateway with nginx and agent running (`upstreams` overrides config keys: e.g. the
    `tls_backends` ports and a `tls` mapping)."""
    created: list[Gateway] = []
    ssm = boto3.client("ssm", endpoint_url=moto_url, region_name=REGION)
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_url, region_name=REGION)

    def make(
        mode: str,
        initial: str = "blue",
        start: bool = True,
        upstreams: dict[str, Any] | None = None,
        resolver: Resolver = system_resolver,
    ) -> Gateway:
        suffix = uuid.uuid4().hex[:8]
        parameter = f"/bluegreen/test-{suffix}/prod/active-color"
        table = f"gateway-acks-{suffix}"
        ssm.put_parameter(Name=parameter, Value=initial, Type="String")
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "gateway_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "gateway_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ssm_proxy, dynamodb_proxy = FaultProxy(moto_url), FaultProxy(moto_url)
        layout = GatewayLayout.create(tmp_path / f"gw-{suffix}")
        layout.write_main_conf(lua=mode == "runtime")
        data = layout.agent_config(
            binary=nginx_binary,
            mode=mode,
            parameter_name=parameter,
            ack_table=table,
            blue_port=backends.blue_port,
            green_port=backends.green_port,
            ssm_endpoint_url=ssm_proxy.url,
            dynamodb_endpoint_url=dynamodb_proxy.url,
            poll_seconds=POLL_SECONDS,
            backoff_max_seconds=BACKOFF_MAX_SECONDS,
        )
        data["upstreams"].update(upstreams or {})
        config_path = layout.root / "gateway.yaml"
        config_path.write_text(yaml.safe_dump(data), encoding="utf-8")
        config = parse_gateway_config(data, str(config_path))
        gateway = Gateway(
            config=config,
            config_path=config_path,
            layout=layout,
            nginx=layout.nginx(nginx_binary),
            ssm_proxy=ssm_proxy,
            dynamodb_proxy=dynamodb_proxy,
            ssm=ssm,
            dynamodb=dynamodb,
            resolver=resolver,
        )
        created.append(gateway)
        if start:
            build_agent(config, resolver=resolver).bootstrap()
            gateway.start_nginx()
            gateway.start_agent()
            gateway.wait_ack(color=initial, parameter_version=1)
        return gateway

    yield make
    for gateway in created:
        gateway.close()
