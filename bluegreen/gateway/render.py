"""Renders the nginx files the agent owns from the packaged templates.

Placeholders are `{{ name }}`; an unknown or missing one is an error, so a template and its
renderer can never silently disagree. Every value comes from the validated config or a Color.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bluegreen.colors import Color
from bluegreen.gateway.config import GatewayConfig, Mode
from bluegreen.gateway.upstreams import UpstreamServers

PLACEHOLDER = re.compile(r"\{\{ *([a-z_]+) *\}\}")
LUA_MODULE = "bluegreen_switch.lua"
DEFAULT_FILE = "default-color.conf"
# Debian's libnginx-mod-http-lua; the Lua module needs the NDK loaded first.
DEBIAN_LUA_MODULES = (
    Path("/usr/lib/nginx/modules/ndk_http_module.so"),
    Path("/usr/lib/nginx/modules/ngx_http_lua_module.so"),
)


def template_text(name: str) -> str:
    return resources.files("bluegreen.gateway").joinpath("templates", name).read_text(encoding="utf-8")


def render_template(name: str, values: dict[str, str]) -> str:
    text = template_text(name)
    used: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template {name} uses {{{{ {key} }}}} but no value was given")
        used.add(key)
        return values[key]

    rendered = PLACEHOLDER.sub(substitute, text)
    unused = set(values) - used
    if unused:
        raise KeyError(f"template {name} does not use {sorted(unused)}")
    return rendered


@dataclass(frozen=True)
class GatewayFiles:
    """Where the agent's nginx files live, and what they hold."""

    site_path: Path
    lua_path: Path
    default_path: Path


def gateway_files(config: GatewayConfig) -> GatewayFiles:
    files_dir = config.nginx.files_dir
    return GatewayFiles(
        site_path=config.nginx.site_path,
        lua_path=files_dir / LUA_MODULE,
        default_path=files_dir / DEFAULT_FILE,
    )


def configured_servers(config: GatewayConfig) -> UpstreamServers:
    """The upstreams as configured (host:port), before the agent has resolved them."""
    return UpstreamServers.unresolved(config.upstreams.blue, config.upstreams.green)


def _server_lines(servers: tuple[str, ...]) -> str:
    return "\n".join(f"    server {server};" for server in servers)


def _upstream_tls_lines(config: GatewayConfig) -> str:
    """The `proxy_ssl_*` directives of a proxied location, each on its own line, or "" without TLS.

    The templates put `{{ upstream_tls }}` at the end of the location's last directive, so with TLS
    off the rendered file is byte for byte what it was before TLS existed (no stray blank line).
    """
    tls = config.upstreams.tls
    if not tls.enabled:
        return ""
    directives = (
        "proxy_ssl_server_name on;",
        f"proxy_ssl_name {tls.server_name or config.domains.live};",
        f"proxy_ssl_verify {'on' if tls.verify else 'off'};",
        "proxy_ssl_verify_depth 3;",
        f"proxy_ssl_trusted_certificate {tls.trusted_ca_file};",
        "proxy_ssl_session_reuse on;",
        "proxy_ssl_protocols TLSv1.2 TLSv1.3;",
    )
    return "".join(f"\n        {directive}" for directive in directives)


def _common_values(config: GatewayConfig, template: str, servers: UpstreamServers | None) -> dict[str, str]:
    servers = servers or configured_servers(config)
    return {
        "template": template,
        "blue_servers": _server_lines(servers.blue),
        "green_servers": _server_lines(servers.green),
        "keepalive": str(config.upstreams.keepalive),
        "upstream_scheme": "https" if config.upstreams.tls.enabled else "http",
        "upstream_tls": _upstream_tls_lines(config),
        "listen": config.nginx.listen,
        "live_host": config.domains.live,
        "preprod_host": config.domains.preprod,
        "admin_port": str(config.nginx.admin_port),
    }


def render_runtime_site(config: GatewayConfig, servers: UpstreamServers | None = None) -> str:
    """The runtime-mode site: structure only, the colour is not in it (it is in the dict / default file)."""
    template = "site-runtime.conf.tmpl"
    values = _common_values(config, template, servers)
    values.update(
        files_dir=str(config.nginx.files_dir),
        default_file=str(gateway_files(config).default_path),
        shared_dict_size=config.nginx.shared_dict_size,
    )
    return render_template(template, values)


def render_default_color(color: Color) -> str:
    """Included in every runtime-mode server block: the colour served while the shared dict is empty."""
    return (
        "# Rendered by bluegreen-gateway: the colour it last applied, served after an nginx start\n"
        "# until the agent sets the shared dict. Rewritten on every switch.\n"
        f'set $bluegreen_default "{color.value}";\n'
    )


def render_reload_site(config: GatewayConfig, live: Color, servers: UpstreamServers | None = None) -> str:
    template = "site-reload.conf.tmpl"
    values = _common_values(config, template, servers)
    values.update(live_color=live.value, idle_color=live.other().value)
    return render_template(template, values)


def render_site(config: GatewayConfig, live: Color, servers: UpstreamServers | None = None) -> str:
    if config.mode is Mode.RUNTIME:
        return render_runtime_site(config, servers)
    return render_reload_site(config, live, servers)


def render_main_conf(
    *,
    site_path: Path,
    pid_path: Path,
    error_log: Path,
    temp_dir: Path,
    lua: bool,
    worker_processes: str = "auto",
    user: str | None = None,
    modules: tuple[Path, ...] = DEBIAN_LUA_MODULES,
) -> str:
    """A whole nginx.conf for a dedicated gateway (tests and the benchmark use it too)."""
    load_modules = "\n".join(f"load_module {module};" for module in modules) if lua else ""
    return render_template(
        "nginx.conf.tmpl",
        {
            "load_modules": load_modules,
            "user": f"user {user};" if user else "",
            "worker_processes": worker_processes,
            "pid_path": str(pid_path),
            "error_log": str(error_log),
            "temp_dir": str(temp_dir),
            "site_path": str(site_path),
        },
    )
