"""The agent's config: the example is valid; errors name the field and the file; no nginx syntax gets in."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from bluegreen.errors import ConfigError
from bluegreen.gateway.config import GatewayConfig, Mode, load_gateway_config, parse_gateway_config


def example() -> dict[str, Any]:
    text = resources.files("bluegreen.gateway").joinpath("templates", "gateway.yaml").read_text()
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_the_packaged_example_is_valid(tmp_path: Path):
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump(example()))

    config = load_gateway_config(path)

    assert config.mode is Mode.RUNTIME
    assert config.poll_seconds == 2
    assert config.nginx.admin_port == 8181


def test_defaults_from_a_minimal_config():
    config = parse_gateway_config(
        {
            "parameter_name": "/bluegreen/myapp/prod/active-color",
            "ack_table": "acks",
            "domains": {"live": "myapp.com", "preprod": "preprod.myapp.com"},
            "upstreams": {"blue": "blue-alb:80", "green": "green-alb:80"},
        },
        "gateway.yaml",
    )
    assert isinstance(config, GatewayConfig)
    assert config.mode is Mode.RUNTIME
    assert config.poll_seconds == 2.0
    assert config.gateway_id


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("upstreams", "blue"), "blue-alb:80; return 200", "upstreams.blue"),
        (("upstreams", "green"), "green alb", "upstreams.green"),
        (("domains", "live"), "myapp.com;", "domains.live"),
        (("nginx", "listen"), "80 default_server", "nginx.listen"),
        (("nginx", "site_path"), "/etc/nginx/conf.d/x;y.conf", "nginx"),
        (("nginx", "files_dir"), "relative/dir", "nginx"),
        (("nginx", "shared_dict_size"), "1g; x", "nginx.shared_dict_size"),
        (("mode",), "hot", "mode"),
        (("poll_seconds",), 0, "poll_seconds"),
        (("parameter_name",), "not-a-path", "parameter_name"),
        (("surprise",), 1, "surprise"),
    ],
)
def test_bad_values_are_refused_naming_field_and_file(path, value, field):
    data = example()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    with pytest.raises(ConfigError) as caught:
        parse_gateway_config(data, "/etc/bluegreen-gateway/gateway.yaml")

    assert caught.value.source == "/etc/bluegreen-gateway/gateway.yaml"
    assert field in [name for name, _ in caught.value.problems]


def test_the_same_host_for_live_and_preprod_is_refused():
    data = example()
    data["domains"]["preprod"] = data["domains"]["live"]
    with pytest.raises(ConfigError, match="live and preprod must be different hosts"):
        parse_gateway_config(data, "gateway.yaml")


def test_unreadable_and_malformed_files_name_the_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_gateway_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("domains: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_gateway_config(bad)
