"""The agent's YAML config (`/etc/bluegreen-gateway/gateway.yaml`): one typed model.

Every value that ends up inside an nginx file is validated against a strict pattern here, so a
config typo can never inject directives into nginx. Errors name the field and the file.
"""

from __future__ import annotations

import re
import socket
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bluegreen.yaml_config import load_model, parse_model

DEFAULT_CONFIG_PATH = Path("/etc/bluegreen-gateway/gateway.yaml")

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOSTNAME = rf"^{_LABEL}(\.{_LABEL})*$"
# host:port of an ALB (DNS name or IPv4 address); nothing nginx could read as syntax.
ADDRESS = r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:[0-9]{1,5})?$"
# An nginx `listen` value: port, or IPv4:port.
LISTEN = r"^([0-9]{1,3}(\.[0-9]{1,3}){3}:)?[0-9]{1,5}$"
PARAMETER_NAME = r"^(/[a-zA-Z0-9_.-]+)+$"
TABLE_NAME = r"^[a-zA-Z0-9_.-]{3,255}$"
GATEWAY_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
ABSOLUTE_PATH = r"^/[^\s;{}'\"$\\]*$"

Hostname = Annotated[str, Field(pattern=HOSTNAME, max_length=253)]
Address = Annotated[str, Field(pattern=ADDRESS)]


class Mode(StrEnum):
    """How a colour change reaches nginx."""

    RUNTIME = "runtime"  # lua_shared_dict set through the loopback admin location; no reload
    RELOAD = "reload"  # stock nginx: render the include, `nginx -t`, `nginx -s reload`


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DomainsSettings(StrictModel):
    live: Hostname = Field(description="Host that always reaches the active colour")
    preprod: Hostname = Field(description="Host that always reaches the idle colour")

    @model_validator(mode="after")
    def _distinct(self) -> DomainsSettings:
        if self.live == self.preprod:
            raise ValueError("live and preprod must be different hosts")
        return self


class UpstreamsSettings(StrictModel):
    """The ALB of each colour, as host:port (plain HTTP from the gateway to the ALB)."""

    blue: Address
    green: Address
    keepalive: int = Field(default=32, ge=0, le=1024, description="Idle keep-alive connections per colour")


class NginxSettings(StrictModel):
    command: list[str] = Field(
        default_factory=lambda: ["/usr/sbin/nginx"],
        min_length=1,
        description="nginx binary and the arguments that select this instance (-p, -c, -e); "
        "the agent appends `-t` and `-s reload`",
    )
    site_path: Annotated[Path, Field(description="The http-level include the agent renders")] = Path(
        "/etc/nginx/conf.d/bluegreen.conf"
    )
    files_dir: Annotated[Path, Field(description="Agent-owned files: Lua module, default colour")] = Path(
        "/etc/nginx/bluegreen"
    )
    listen: Annotated[str, Field(pattern=LISTEN)] = "80"
    admin_port: int = Field(default=8181, ge=1, le=65535, description="Loopback-only admin/status port")
    shared_dict_size: Annotated[str, Field(pattern=r"^[0-9]{1,6}[km]$")] = "64k"
    command_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    verify_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    admin_timeout_seconds: float = Field(default=2.0, gt=0, le=60)

    @model_validator(mode="after")
    def _absolute_paths(self) -> NginxSettings:
        for name in ("site_path", "files_dir"):
            value = str(getattr(self, name))
            if not re.fullmatch(ABSOLUTE_PATH, value):
                raise ValueError(
                    f"{name} must be an absolute path without spaces, quotes, ';', '{{', '}}' or '$'"
                )
        return self


class AwsSettings(StrictModel):
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")] | None = Field(
        default=None, description="Defaults to the instance's region (AWS_REGION / instance metadata)"
    )
    ssm_endpoint_url: str | None = None
    dynamodb_endpoint_url: str | None = None
    connect_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    read_timeout_seconds: float = Field(default=3.0, gt=0, le=60)


class GatewayConfig(StrictModel):
    gateway_id: Annotated[str, Field(pattern=GATEWAY_ID)] = Field(
        default_factory=lambda: socket.gethostname().split(".")[0] or "gateway",
        description="One acknowledgement item per gateway; defaults to the short host name",
    )
    parameter_name: Annotated[str, Field(pattern=PARAMETER_NAME, max_length=2048)]
    ack_table: Annotated[str, Field(pattern=TABLE_NAME)]
    mode: Mode = Mode.RUNTIME
    poll_seconds: float = Field(default=2.0, ge=0.05, le=300)
    jitter: float = Field(
        default=0.1, ge=0, le=0.5, description="Each sleep is poll_seconds x U(1-jitter, 1)"
    )
    backoff_max_seconds: float = Field(default=30.0, ge=0.05, le=3600)
    state_file: Path = Path("/var/lib/bluegreen-gateway/state.json")
    log_level: Annotated[str, Field(pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")] = "INFO"
    domains: DomainsSettings
    upstreams: UpstreamsSettings
    nginx: NginxSettings = Field(default_factory=NginxSettings)
    aws: AwsSettings = Field(default_factory=AwsSettings)

    @model_validator(mode="after")
    def _backoff_above_poll(self) -> GatewayConfig:
        if self.backoff_max_seconds < self.poll_seconds:
            raise ValueError("backoff_max_seconds must be at least poll_seconds")
        return self


def parse_gateway_config(data: Any, source: str) -> GatewayConfig:
    """Validate already-parsed config data; `source` names the file in every error."""
    return parse_model(GatewayConfig, data, source)


def load_gateway_config(path: str | Path) -> GatewayConfig:
    """Read and validate the agent's YAML config."""
    return load_model(GatewayConfig, path)
