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


# -- TLS to the ALBs -------------------------------------------------------------------------------

TLS_BLOCK = (
    "        proxy_ssl_server_name on;\n"
    "        proxy_ssl_name myapp.com;\n"
    "        proxy_ssl_verify on;\n"
    "        proxy_ssl_verify_depth 3;\n"
    "        proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;\n"
    "        proxy_ssl_session_reuse on;\n"
    "        proxy_ssl_protocols TLSv1.2 TLSv1.3;\n"
)


def tls_config(mode: str = "runtime", **tls: object) -> GatewayConfig:
    data = {
        "parameter_name": "/bluegreen/myapp/prod/active-color",
        "ack_table": "acks",
        "mode": mode,
        "domains": {"live": "myapp.com", "preprod": "preprod.myapp.com"},
        "upstreams": {
            "blue": "blue-alb.internal:443",
            "green": "green-alb.internal:443",
            "tls": {"enabled": True, **tls},
        },
        "nginx": {"admin_port": 9191, "listen": "80", "files_dir": "/etc/nginx/bluegreen"},
    }
    return parse_gateway_config(data, "gateway.yaml")


def proxied_locations(site: str) -> list[str]:
    """The body of each `location /` that proxies (live and preprod), up to its closing brace."""
    return [part.split("\n    }\n")[0] for part in site.split("location / {")[1:] if "proxy_pass" in part]


def test_without_tls_nothing_of_it_is_rendered_and_no_blank_line_is_left():
    # Given the default config (TLS off)
    runtime, reload = render_runtime_site(config()), render_reload_site(config("reload"), Color.BLUE)

    # Then both sites proxy over plain HTTP, and each location ends right after its last header
    for site in (runtime, reload):
        assert "https" not in site
        assert "proxy_ssl" not in site
        assert site.count("proxy_set_header X-Forwarded-Proto $scheme;\n    }\n") == 2


@pytest.mark.parametrize("mode", ["runtime", "reload"])
def test_with_tls_both_proxied_locations_use_https_with_sni_and_verification(mode: str):
    # Given TLS to the ALBs with the defaults (server name: the live host; Debian's CA bundle)
    cfg = tls_config(mode)

    # When the site is rendered
    site = render_runtime_site(cfg) if mode == "runtime" else render_reload_site(cfg, Color.GREEN)

    # Then the live and the preprod location proxy over https with the whole TLS block, and nothing else does
    locations = proxied_locations(site)
    assert len(locations) == 2
    for location in locations:
        assert "proxy_pass https://bluegreen_" in location
        assert location.endswith("proxy_set_header X-Forwarded-Proto $scheme;\n" + TLS_BLOCK.rstrip("\n"))
    assert site.count("proxy_ssl_server_name on;") == 2
    assert "proxy_pass http://" not in site
    assert not PLACEHOLDER.search(site)
    # And the keep-alive pools to the ALBs stay (nginx keeps TLS connections alive too)
    assert site.count("keepalive 32;") == 2


def test_reload_mode_with_tls_still_sends_live_to_the_active_and_preprod_to_the_idle_colour():
    # Given TLS on in reload mode, green active
    site = render_reload_site(tls_config("reload"), Color.GREEN)

    # Then the colours are where they belong
    live, preprod = proxied_locations(site)
    assert "proxy_pass https://bluegreen_green;" in live
    assert "proxy_pass https://bluegreen_blue;" in preprod


def test_tls_settings_reach_the_directives():
    # Given another SNI name, Amazon Linux's CA bundle and verification off (a lab)
    cfg = tls_config(
        server_name="www.myapp.com", trusted_ca_file="/etc/pki/tls/certs/ca-bundle.crt", verify=False
    )

    # When the site is rendered
    site = render_runtime_site(cfg)

    # Then each proxied location carries them
    assert site.count("proxy_ssl_name www.myapp.com;") == 2
    assert site.count("proxy_ssl_trusted_certificate /etc/pki/tls/certs/ca-bundle.crt;") == 2
    assert site.count("proxy_ssl_verify off;") == 2
    assert "proxy_ssl_verify on;" not in site
