"""The agent's YAML config (`/etc/bluegreen-gateway/gateway.yaml`): frozen dataclasses, validated at load.

Every value that ends up inside an nginx file is checked against a strict pattern here, so a
config typo can never inject directives into nginx. Errors name the field and the file, and unknown
keys are errors. Validation is hand-written over `config_reader.Section` rather than pydantic: the
agent is a resident daemon with a 40 MB memory goal (docs/decision_log.md).
"""

from __future__ import annotations

import socket
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from bluegreen.gateway.config_reader import Section, read_config
from bluegreen.yaml_file import read_yaml

DEFAULT_CONFIG_PATH = Path("/etc/bluegreen-gateway/gateway.yaml")

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOSTNAME = rf"{_LABEL}(\.{_LABEL})*"
# host:port of an ALB (DNS name or IPv4 address); nothing nginx could read as syntax.
ADDRESS = r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:[0-9]{1,5})?"
# An nginx `listen` value: port, or IPv4:port.
LISTEN = r"([0-9]{1,3}(\.[0-9]{1,3}){3}:)?[0-9]{1,5}"
PARAMETER_NAME = r"(/[a-zA-Z0-9_.-]+)+"
TABLE_NAME = r"[a-zA-Z0-9_.-]{3,255}"
GATEWAY_ID = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}"
ABSOLUTE_PATH = r"/[^\s;{}'\"$\\]*"
REGION = r"[a-z]{2}(-[a-z]+)+-[0-9]+"
ENDPOINT_URL = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?"
COMMAND_WORD = r"[^\x00]+"
_PATH_RULE = "must be an absolute path without spaces, quotes, ';', '{', '}' or '$'"


class Mode(StrEnum):
    """How a colour change reaches nginx."""

    RUNTIME = "runtime"  # lua_shared_dict set through the loopback admin location; no reload
    RELOAD = "reload"  # stock nginx: render the include, `nginx -t`, `nginx -s reload`


def default_gateway_id() -> str:
    return socket.gethostname().split(".")[0] or "gateway"


@dataclass(frozen=True)
class DomainsSettings:
    live: str  # host that always reaches the active colour
    preprod: str  # host that always reaches the idle colour

    @classmethod
    def read(cls, section: Section) -> DomainsSettings:
        rule = "must be a host name (letters, digits, '-' and '.')"
        live = section.text("live", pattern=HOSTNAME, max_length=253, explain=rule)
        preprod = section.text("preprod", pattern=HOSTNAME, max_length=253, explain=rule)
        section.check(not live or live != preprod, "", "live and preprod must be different hosts")
        section.refuse_unknown()
        return cls(live=live, preprod=preprod)


# Debian/Ubuntu's bundle (package ca-certificates); Amazon Linux: /etc/pki/tls/certs/ca-bundle.crt.
DEFAULT_TRUSTED_CA_FILE = Path("/etc/ssl/certs/ca-certificates.crt")


@dataclass(frozen=True)
class UpstreamTlsSettings:
    """HTTPS from nginx to the ALBs (`upstreams.tls`), certificate verified; off by default (plain HTTP)."""

    enabled: bool = False
    # SNI name and the name the ALB's certificate must hold, the same for both colours (the ALBs
    # present the app's certificate, not their own DNS name). None: `domains.live` (set at read).
    server_name: str | None = None
    trusted_ca_file: Path = DEFAULT_TRUSTED_CA_FILE  # PEM bundle nginx verifies the ALBs' chain against
    verify: bool = True  # false only in a lab: the connection is encrypted but anyone can answer

    @classmethod
    def read(cls, section: Section, *, default_server_name: str) -> UpstreamTlsSettings:
        settings = cls(
            enabled=section.boolean("enabled", False),
            server_name=section.text(
                "server_name",
                default_server_name,
                pattern=HOSTNAME,
                max_length=253,
                explain="must be a host name (letters, digits, '-' and '.')",
            ),
            trusted_ca_file=section.absolute_path(
                "trusted_ca_file", DEFAULT_TRUSTED_CA_FILE, pattern=ABSOLUTE_PATH, explain=_PATH_RULE
            ),
            verify=section.boolean("verify", True),
        )
        section.refuse_unknown()
        return settings


@dataclass(frozen=True)
class UpstreamsSettings:
    """The ALB of each colour, as host:port (plain HTTP from the gateway to the ALB unless `tls`)."""

    blue: str
    green: str
    keepalive: int = 32  # idle keep-alive connections per colour (TLS connections too)
    # How often the agent re-resolves the ALB names (their IPs change); 0 leaves it to nginx, which
    # resolves only when it loads its configuration.
    resolve_seconds: float = 60.0
    tls: UpstreamTlsSettings = field(default_factory=UpstreamTlsSettings)

    @classmethod
    def read(cls, section: Section, *, live_host: str = "") -> UpstreamsSettings:
        """`live_host` (domains.live) is the default TLS server name."""
        rule = "must be host:port (letters, digits, '-' and '.'; nothing else)"
        resolve_seconds = section.number("resolve_seconds", 60.0, ge=0, le=3600)
        section.check(
            resolve_seconds == 0 or resolve_seconds >= 0.2,
            "resolve_seconds",
            "must be 0 (off) or at least 0.2",
        )
        settings = cls(
            blue=section.text("blue", pattern=ADDRESS, explain=rule),
            green=section.text("green", pattern=ADDRESS, explain=rule),
            keepalive=section.integer("keepalive", 32, ge=0, le=1024),
            resolve_seconds=resolve_seconds,
            tls=UpstreamTlsSettings.read(section.section("tls"), default_server_name=live_host),
        )
        for name in ("blue", "green"):
            address = getattr(settings, name)
            section.check(
                not settings.tls.enabled or not address or ":" in address,
                name,
                "needs an explicit port with upstreams.tls.enabled (an HTTPS listener, usually :443)",
            )
        section.refuse_unknown()
        return settings


@dataclass(frozen=True)
class NginxSettings:
    # nginx binary and the arguments that select this instance (-p, -c, -e); the agent appends
    # `-t` and `-s reload`.
    command: tuple[str, ...] = ("/usr/sbin/nginx",)
    site_path: Path = Path("/etc/nginx/conf.d/bluegreen.conf")  # the http-level include the agent renders
    files_dir: Path = Path("/etc/nginx/bluegreen")  # agent-owned files: Lua module, default colour
    listen: str = "80"
    admin_port: int = 8181  # always bound to 127.0.0.1
    shared_dict_size: str = "64k"
    command_timeout_seconds: float = 15.0
    verify_timeout_seconds: float = 5.0
    admin_timeout_seconds: float = 2.0

    @classmethod
    def read(cls, section: Section) -> NginxSettings:
        d = cls()
        settings = cls(
            command=section.text_list(
                "command", list(d.command), item_pattern=COMMAND_WORD, explain="must be a non-empty string"
            ),
            site_path=section.absolute_path(
                "site_path", d.site_path, pattern=ABSOLUTE_PATH, explain=_PATH_RULE
            ),
            files_dir=section.absolute_path(
                "files_dir", d.files_dir, pattern=ABSOLUTE_PATH, explain=_PATH_RULE
            ),
            listen=section.text("listen", d.listen, pattern=LISTEN, explain="must be a port or IPv4:port"),
            admin_port=section.integer("admin_port", d.admin_port, ge=1, le=65535),
            shared_dict_size=section.text(
                "shared_dict_size",
                d.shared_dict_size,
                pattern=r"[0-9]{1,6}[km]",
                explain="must look like 64k or 1m",
            ),
            command_timeout_seconds=section.number("command_timeout_seconds", 15.0, gt=0, le=300),
            verify_timeout_seconds=section.number("verify_timeout_seconds", 5.0, gt=0, le=120),
            admin_timeout_seconds=section.number("admin_timeout_seconds", 2.0, gt=0, le=60),
        )
        section.refuse_unknown()
        return settings


@dataclass(frozen=True)
class AwsSettings:
    region: str | None = None  # defaults to AWS_REGION / AWS_DEFAULT_REGION / the instance's region
    ssm_endpoint_url: str | None = None  # e.g. an interface VPC endpoint
    dynamodb_endpoint_url: str | None = None
    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 3.0

    @classmethod
    def read(cls, section: Section) -> AwsSettings:
        url_rule = "must be http(s)://host[:port]"
        settings = cls(
            region=section.optional_text(
                "region", pattern=REGION, explain="must be a region such as eu-west-1"
            ),
            ssm_endpoint_url=section.optional_text(
                "ssm_endpoint_url", pattern=ENDPOINT_URL, explain=url_rule
            ),
            dynamodb_endpoint_url=section.optional_text(
                "dynamodb_endpoint_url", pattern=ENDPOINT_URL, explain=url_rule
            ),
            connect_timeout_seconds=section.number("connect_timeout_seconds", 2.0, gt=0, le=60),
            read_timeout_seconds=section.number("read_timeout_seconds", 3.0, gt=0, le=60),
        )
        section.refuse_unknown()
        return settings


@dataclass(frozen=True)
class GatewayConfig:
    parameter_name: str
    ack_table: str
    domains: DomainsSettings
    upstreams: UpstreamsSettings
    gateway_id: str = field(default_factory=default_gateway_id)  # one acknowledgement item per gateway
    mode: Mode = Mode.RUNTIME
    poll_seconds: float = 2.0
    jitter: float = 0.1  # each sleep is poll_seconds x U(1 - jitter, 1)
    backoff_max_seconds: float = 30.0
    state_file: Path = Path("/var/lib/bluegreen-gateway/state.json")
    log_level: str = "INFO"
    nginx: NginxSettings = field(default_factory=NginxSettings)
    aws: AwsSettings = field(default_factory=AwsSettings)

    @classmethod
    def read(cls, section: Section) -> GatewayConfig:
        poll_seconds = section.number("poll_seconds", 2.0, ge=0.05, le=300)
        backoff_max_seconds = section.number("backoff_max_seconds", 30.0, ge=0.05, le=3600)
        section.check(
            backoff_max_seconds >= poll_seconds,
            "backoff_max_seconds",
            "backoff_max_seconds must be at least poll_seconds",
        )
        domains = DomainsSettings.read(section.section("domains", required=True))
        config = cls(
            gateway_id=section.text(
                "gateway_id",
                default_gateway_id(),
                pattern=GATEWAY_ID,
                explain="must be 1-128 of letters, digits, '_', '.', ':' and '-'",
            ),
            parameter_name=section.text(
                "parameter_name",
                pattern=PARAMETER_NAME,
                max_length=2048,
                explain="must be an SSM parameter path such as /bluegreen/myapp/prod/active-color",
            ),
            ack_table=section.text(
                "ack_table",
                pattern=TABLE_NAME,
                explain="must be a DynamoDB table name (3-255 of [a-zA-Z0-9_.-])",
            ),
            mode=section.choice("mode", Mode, Mode.RUNTIME),
            poll_seconds=poll_seconds,
            jitter=section.number("jitter", 0.1, ge=0, le=0.5),
            backoff_max_seconds=backoff_max_seconds,
            state_file=section.absolute_path(
                "state_file",
                Path("/var/lib/bluegreen-gateway/state.json"),
                pattern=r"/.*",
                explain="must be absolute",
            ),
            log_level=section.text(
                "log_level",
                "INFO",
                pattern=r"DEBUG|INFO|WARNING|ERROR",
                explain="must be DEBUG, INFO, WARNING or ERROR",
            ),
            domains=domains,
            upstreams=UpstreamsSettings.read(
                section.section("upstreams", required=True), live_host=domains.live
            ),
            nginx=NginxSettings.read(section.section("nginx")),
            aws=AwsSettings.read(section.section("aws")),
        )
        section.refuse_unknown()
        return config

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types, as `bluegreen-gateway check-config` prints it."""

        def plain(value: Any) -> Any:
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, list | tuple):
                return [plain(item) for item in value]
            if isinstance(value, Path):
                return str(value)
            return value

        return {key: plain(value) for key, value in asdict(self).items()}


def parse_gateway_config(data: Any, source: str) -> GatewayConfig:
    """Validate already-parsed config data; `source` names the file in every error."""
    return read_config(data, source, GatewayConfig.read)


def load_gateway_config(path: str | Path) -> GatewayConfig:
    """Read and validate the agent's YAML config."""
    return parse_gateway_config(read_yaml(path), str(Path(path)))
