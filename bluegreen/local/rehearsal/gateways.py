"""The app's gateways: for every configured gateway id, a real nginx with the real agent (runtime
mode) following the SSM parameter on the moto server and routing the configured domains to the
colours' pods."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bluegreen.adapters.gateway_acks import GatewayAck, GatewayAckReader
from bluegreen.colors import Color
from bluegreen.config import AppConfig
from bluegreen.gateway.config import load_gateway_config
from bluegreen.gateway.factory import build_agent
from bluegreen.gateway.harness import GatewayLayout, NginxProcess, wait_until
from bluegreen.local.rehearsal.processes import Processes


@dataclass
class Gateway:
    gateway_id: str
    layout: GatewayLayout
    nginx: NginxProcess

    @property
    def port(self) -> int:
        return self.layout.listen_port


@dataclass(frozen=True)
class GatewaySetup:
    """What every gateway shares: nginx, the work dir, moto, the app, the pods' ports."""

    binary: str
    workdir: Path
    endpoint_url: str
    config: AppConfig
    ack_table: str
    pod_ports: dict[Color, int]
    processes: Processes
    env: dict[str, str]


def start_gateway(gateway_id: str, setup: GatewaySetup, stack: ExitStack) -> Gateway:
    layout = GatewayLayout.create(setup.workdir / gateway_id)
    layout.write_main_conf(lua=True)
    data = layout.agent_config(
        binary=setup.binary,
        mode="runtime",
        parameter_name=setup.config.parameter_name,
        ack_table=setup.ack_table,
        blue_port=setup.pod_ports[Color.BLUE],
        green_port=setup.pod_ports[Color.GREEN],
        ssm_endpoint_url=setup.endpoint_url,
        dynamodb_endpoint_url=setup.endpoint_url,
        poll_seconds=0.5,
        backoff_max_seconds=1.0,
        gateway_id=gateway_id,
    )
    data["domains"] = {"live": setup.config.domains.live, "preprod": setup.config.domains.preprod}
    config_path = layout.root / "gateway.yaml"
    config_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    # `bluegreen-gateway render` (as systemd's ExecStartPre does), in-process: one Python start-up less.
    build_agent(load_gateway_config(config_path)).bootstrap()
    gateway = Gateway(gateway_id, layout, layout.nginx(setup.binary))
    gateway.nginx.start(ready_port=layout.listen_port)
    stack.callback(gateway.nginx.stop)
    agent = [sys.executable, "-m", "bluegreen.gateway", "--config", str(config_path), "run"]
    setup.processes.start(agent, layout.root / "agent.log", setup.env)
    return gateway


def start_gateways(setup: GatewaySetup, stack: ExitStack) -> list[Gateway]:
    """Every configured gateway, started side by side."""
    ids = setup.config.gateways.ids
    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        futures = [pool.submit(start_gateway, gateway_id, setup, stack) for gateway_id in ids]
        return [future.result() for future in futures]


def wait_for_acks(
    ssm: Any, acks_table: Any, parameter_name: str, gateways: list[Gateway], timeout: float
) -> None:
    """Until every gateway acknowledged the parameter's current version."""

    def acked() -> bool:
        version = int(ssm.get_parameter(Name=parameter_name)["Parameter"]["Version"])
        items = {a.gateway_id: a for a in GatewayAckReader(acks_table).all()}
        return all(
            (g.gateway_id in items and items[g.gateway_id].parameter_version == version) for g in gateways
        )

    wait_until(acked, timeout=timeout, interval=0.05, what="every gateway's acknowledgement")


class CompressedTimeAcks(GatewayAckReader):
    """The gateways heartbeat in real time, the workflow runs on a virtual clock that jumps over
    waits: read their heartbeats on the workflow's clock, as if they had kept beating meanwhile."""

    def __init__(self, inner: GatewayAckReader, clock: Any) -> None:
        self._inner = inner
        self._clock = clock

    def all(self) -> list[GatewayAck]:
        offset = self._clock() - datetime.now(UTC)
        return [
            replace(ack, heartbeat_at=ack.heartbeat_at + offset) if ack.heartbeat_at else ack
            for ack in self._inner.all()
        ]
