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


def example_with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """The example with the setting at `path` (keys from the top) set to `value`."""
    data = example()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
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
        (("nginx", "site_path"), "/etc/nginx/conf.d/x;y.conf", "nginx.site_path"),
        (("nginx", "files_dir"), "relative/dir", "nginx.files_dir"),
        (("nginx", "shared_dict_size"), "1g; x", "nginx.shared_dict_size"),
        (("mode",), "hot", "mode"),
        (("poll_seconds",), 0, "poll_seconds"),
        (("parameter_name",), "not-a-path", "parameter_name"),
        (("surprise",), 1, "surprise"),
    ],
)
def test_bad_values_are_refused_naming_field_and_file(path, value, field):
    data = example_with(path, value)

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


def test_every_problem_is_reported_at_once():
    # Given a config missing two required settings and with two wrongly typed ones
    data = example()
    del data["parameter_name"]
    del data["domains"]
    data["poll_seconds"] = "fast"
    data["upstreams"]["keepalive"] = True

    # When it is validated
    with pytest.raises(ConfigError) as caught:
        parse_gateway_config(data, "gateway.yaml")

    # Then one error lists each field with what is wrong
    problems = dict(caught.value.problems)
    assert problems["parameter_name"] == "field required"
    assert problems["domains"] == "field required"
    assert problems["poll_seconds"] == "must be a number, not a string"
    assert problems["upstreams.keepalive"] == "must be an integer, not a boolean"


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        (("nginx",), "fast", "nginx", "must be a mapping"),
        (("nginx", "command"), [], "nginx.command", "non-empty list"),
        (("nginx", "admin_port"), 70000, "nginx.admin_port", "at most 65535"),
        (("aws", "ssm_endpoint_url"), "ftp://ssm", "aws.ssm_endpoint_url", "http(s)://"),
        (("aws", "region"), "Europe", "aws.region", "eu-west-1"),
        (("backoff_max_seconds",), 1, "backoff_max_seconds", "at least poll_seconds"),
        (("nginx", "typo_setting"), 1, "nginx.typo_setting", "unknown setting"),
    ],
)
def test_nested_and_cross_field_problems_name_the_field(path, value, field, message):
    data = example_with(path, value)

    with pytest.raises(ConfigError) as caught:
        parse_gateway_config(data, "gateway.yaml")

    assert message in dict(caught.value.problems)[field]


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path):
    path = tmp_path / "gateway.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping of settings"):
        load_gateway_config(path)


def test_the_printed_config_reads_back_as_the_same_config():
    # Given a valid config, printed as `bluegreen-gateway check-config` prints it
    config = parse_gateway_config(example(), "gateway.yaml")
    printed = config.to_json()

    # Then the printout is plain JSON data that validates back to the same settings
    assert printed["nginx"]["command"] == ["/usr/sbin/nginx"]
    assert printed["mode"] == "runtime"
    assert parse_gateway_config(printed, "printed.yaml") == config


@pytest.mark.parametrize(("value", "valid"), [(0, True), (0.2, True), (60, True), (0.1, False), (-1, False)])
def test_resolve_seconds_is_off_or_at_least_a_fifth_of_a_second(value, valid):
    data = example()
    data["upstreams"]["resolve_seconds"] = value
    if valid:
        assert parse_gateway_config(data, "gateway.yaml").upstreams.resolve_seconds == value
    else:
        with pytest.raises(ConfigError) as caught:
            parse_gateway_config(data, "gateway.yaml")
        assert "upstreams.resolve_seconds" in dict(caught.value.problems)


# -- upstreams.tls ---------------------------------------------------------------------------------


def test_tls_to_the_albs_is_off_by_default_and_names_the_live_host():
    # Given the packaged example, whose tls section is commented out
    data = example()

    # When it is validated
    tls = parse_gateway_config(data, "gateway.yaml").upstreams.tls

    # Then TLS is off, and if turned on would verify the live host's name against the Debian CA bundle
    assert tls.enabled is False
    assert tls.server_name == data["domains"]["live"]
    assert tls.trusted_ca_file == Path("/etc/ssl/certs/ca-certificates.crt")
    assert tls.verify is True


def test_tls_settings_are_read():
    # Given TLS turned on with every setting spelled out (Amazon Linux's CA bundle)
    data = example()
    data["upstreams"]["blue"] = "blue-alb.internal:443"
    data["upstreams"]["green"] = "green-alb.internal:443"
    data["upstreams"]["tls"] = {
        "enabled": True,
        "server_name": "www.myapp.com",
        "trusted_ca_file": "/etc/pki/tls/certs/ca-bundle.crt",
        "verify": False,
    }

    # When it is validated
    tls = parse_gateway_config(data, "gateway.yaml").upstreams.tls

    # Then each setting is taken as given
    assert tls.enabled is True
    assert tls.server_name == "www.myapp.com"
    assert tls.trusted_ca_file == Path("/etc/pki/tls/certs/ca-bundle.crt")
    assert tls.verify is False


@pytest.mark.parametrize(
    ("tls", "field", "message"),
    [
        ({"enabled": "yes"}, "upstreams.tls.enabled", "must be true or false, not a string"),
        ({"enabled": 1}, "upstreams.tls.enabled", "must be true or false, not an integer"),
        ({"verify": "off"}, "upstreams.tls.verify", "must be true or false, not a string"),
        ({"server_name": "myapp.com; return 200"}, "upstreams.tls.server_name", "must be a host name"),
        ({"server_name": "*.myapp.com"}, "upstreams.tls.server_name", "must be a host name"),
        ({"trusted_ca_file": "ca.pem"}, "upstreams.tls.trusted_ca_file", "must be an absolute path"),
        ({"trusted_ca_file": "/etc/ssl/ca.pem; x"}, "upstreams.tls.trusted_ca_file", "must be an absolute"),
        ({"sni": "myapp.com"}, "upstreams.tls.sni", "unknown setting"),
    ],
)
def test_bad_tls_settings_are_refused_naming_the_field_and_the_file(tls, field, message):
    # Given an otherwise valid config with one bad TLS setting
    data = example()
    data["upstreams"]["tls"] = tls

    # When it is validated
    with pytest.raises(ConfigError) as caught:
        parse_gateway_config(data, "/etc/bluegreen-gateway/gateway.yaml")

    # Then the error names the file and the full field path
    assert caught.value.source == "/etc/bluegreen-gateway/gateway.yaml"
    assert message in dict(caught.value.problems)[field]


def test_a_tls_section_that_is_not_a_mapping_is_refused():
    # Given `tls: true` instead of a mapping
    data = example()
    data["upstreams"]["tls"] = True

    # When it is validated
    with pytest.raises(ConfigError) as caught:
        parse_gateway_config(data, "gateway.yaml")

    # Then the section itself is named
    assert "must be a mapping of settings" in dict(caught.value.problems)["upstreams.tls"]


def test_with_tls_the_alb_addresses_need_an_explicit_port():
    # Given TLS turned on and a blue ALB without a port (which would mean port 80)
    data = example()
    data["upstreams"]["blue"] = "blue-alb.internal"
    data["upstreams"]["green"] = "green-alb.internal:443"
    data["upstreams"]["tls"] = {"enabled": True}

    # When it is validated
    with pytest.raises(ConfigError) as caught:
        parse_gateway_config(data, "gateway.yaml")

    # Then only blue is refused, asking for the HTTPS listener's port
    problems = dict(caught.value.problems)
    assert "explicit port" in problems["upstreams.blue"]
    assert "upstreams.green" not in problems


def test_the_printed_config_with_tls_reads_back_as_the_same_config():
    # Given a config with TLS on, printed as `bluegreen-gateway check-config` prints it
    data = example()
    data["upstreams"]["tls"] = {"enabled": True, "trusted_ca_file": "/etc/pki/tls/certs/ca-bundle.crt"}
    config = parse_gateway_config(data, "gateway.yaml")

    # When the printout is validated again
    printed = config.to_json()

    # Then it is plain data (the resolved server name included) and the same settings
    assert printed["upstreams"]["tls"] == {
        "enabled": True,
        "server_name": data["domains"]["live"],
        "trusted_ca_file": "/etc/pki/tls/certs/ca-bundle.crt",
        "verify": True,
    }
    assert parse_gateway_config(printed, "printed.yaml") == config
