"""The nginx files the agent renders: complete, loopback-only admin, colours where they belong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.colors import Color
from bluegreen.gateway.config import GatewayConfig, parse_gateway_config
from bluegreen.gateway.render import (
    PLACEHOLDER,
    render_default_color,
    render_main_conf,
    render_reload_site,
    render_runtime_site,
    render_template,
)


def config(mode: str = "runtime") -> GatewayConfig:
    return parse_gateway_config(
        {
            "parameter_name": "/bluegreen/myapp/prod/active-color",
            "ack_table": "acks",
            "mode": mode,
            "domains": {"live": "myapp.com", "preprod": "preprod.myapp.com"},
            "upstreams": {"blue": "blue-alb.internal:80", "green": "green-alb.internal:8080"},
            "nginx": {"admin_port": 9191, "listen": "80", "files_dir": "/etc/nginx/bluegreen"},
        },
        "gateway.yaml",
    )


def test_runtime_site_holds_no_colour_and_a_loopback_only_admin():
    site = render_runtime_site(config())

    assert not PLACEHOLDER.search(site)
    assert "server blue-alb.internal:80;" in site
    assert "server green-alb.internal:8080;" in site
    assert "listen 127.0.0.1:9191;" in site
    assert "allow 127.0.0.1;\n    deny all;" in site
    assert 'lua_package_path "/etc/nginx/bluegreen/?.lua;;";' in site
    assert site.count("include /etc/nginx/bluegreen/default-color.conf;") == 3
    assert '"blue"' not in site
    assert '"green"' not in site


def test_reload_site_sends_live_to_the_active_and_preprod_to_the_idle_colour():
    site = render_reload_site(config("reload"), Color.GREEN)

    live, preprod = site.split("server_name myapp.com;")[1], site.split("server_name preprod.myapp.com;")[1]
    assert live.index("proxy_pass http://bluegreen_green;") < live.index("server_name preprod.myapp.com;")
    assert "proxy_pass http://bluegreen_blue;" in preprod
    assert "listen 127.0.0.1:9191;" in site
    assert '{"color":"green","source":"config"}' in site
    assert "lua" not in site


def test_default_color_file():
    assert render_default_color(Color.BLUE).endswith('set $bluegreen_default "blue";\n')


def test_main_conf_loads_the_lua_modules_only_when_asked(tmp_path: Path):
    def render(lua: bool) -> str:
        return render_main_conf(
            site_path=tmp_path / "site.conf",
            pid_path=tmp_path / "nginx.pid",
            error_log=tmp_path / "error.log",
            temp_dir=tmp_path,
            lua=lua,
        )

    with_lua, without = render(True), render(False)
    assert "load_module /usr/lib/nginx/modules/ndk_http_module.so;" in with_lua
    assert with_lua.index("ndk_http_module") < with_lua.index("ngx_http_lua_module")
    assert "load_module" not in without
    assert f"include {tmp_path / 'site.conf'};" in without


def test_a_template_value_nobody_supplies_is_an_error():
    with pytest.raises(KeyError, match="load_modules"):
        render_template("nginx.conf.tmpl", {})
