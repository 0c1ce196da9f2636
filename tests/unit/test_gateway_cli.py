"""`bluegreen-gateway`: check-config validates the file and this host; start-up problems exit 2."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bluegreen.gateway.cli import EXIT_CONFIG, EXIT_OK, main


def write_config(tmp_path: Path, **changes: Any) -> Path:
    """The packaged example, pointed at directories that exist here, with `changes` applied."""
    data: dict[str, Any] = yaml.safe_load(
        resources.files("bluegreen.gateway").joinpath("templates", "gateway.yaml").read_text()
    )
    (tmp_path / "conf.d").mkdir(exist_ok=True)
    data["state_file"] = str(tmp_path / "state.json")
    data["nginx"]["command"] = [sys.executable]  # an executable that exists on every test machine
    data["nginx"]["site_path"] = str(tmp_path / "conf.d" / "bluegreen.conf")
    data["nginx"]["files_dir"] = str(tmp_path / "bluegreen")
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target.setdefault(key, {})
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_check_config_prints_the_config_and_passes_on_a_ready_host(tmp_path: Path, capsys):
    path = write_config(tmp_path)

    code = main(["--config", str(path), "check-config"])

    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert json.loads(out)["parameter_name"] == "/bluegreen/myapp/prod/active-color"
    assert err == ""


def test_check_config_names_the_bad_field_and_the_file(tmp_path: Path, capsys):
    path = write_config(tmp_path, mode="hot")

    code = main(["--config", str(path), "check-config"])

    err = capsys.readouterr().err
    assert code == EXIT_CONFIG
    assert str(path) in err
    assert "mode: must be one of 'runtime', 'reload', not 'hot'" in err


def test_check_config_finds_what_this_host_is_missing(tmp_path: Path, capsys):
    # Given a valid file naming an nginx that is not installed, TLS with a CA bundle that is not
    # there, and a state directory that does not exist
    path = write_config(
        tmp_path,
        nginx__command=["/nonexistent/sbin/nginx"],
        upstreams__blue="blue-alb:443",
        upstreams__green="green-alb:443",
        upstreams__tls={"enabled": True, "trusted_ca_file": str(tmp_path / "no-ca.pem")},
        state_file=str(tmp_path / "missing-dir" / "state.json"),
    )

    # When it is checked
    code = main(["--config", str(path), "check-config"])

    # Then each problem is named by its field, and the check fails
    err = capsys.readouterr().err
    assert code == EXIT_CONFIG
    assert "nginx.command.0: /nonexistent/sbin/nginx is not an executable file" in err
    assert f"upstreams.tls.trusted_ca_file: {tmp_path / 'no-ca.pem'} is not a readable file" in err
    assert f"state_file: directory {tmp_path / 'missing-dir'} does not exist" in err


def test_without_a_region_the_agent_does_not_start_and_says_why(tmp_path: Path, monkeypatch, caplog):
    # Given no region in the config, the environment or instance metadata
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    path = write_config(tmp_path, aws__region=None)

    # When the service starts
    code = main(["--config", str(path), "run"])

    # Then it exits with the config code (systemd restarts it) and the log says what is missing
    assert code == EXIT_CONFIG
    assert "cannot start" in caplog.text
    assert "region" in caplog.text
    assert not (tmp_path / "conf.d" / "bluegreen.conf").exists()  # nothing reached nginx
