"""A gateway installs bluegreen without extras: the agent must run on PyYAML and the standard library.

The release side's packages are in the `release` extra. These tests run the agent's command in an
interpreter that sees only the standard library, this source tree and a copy of PyYAML.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import yaml

import bluegreen

SOURCE_ROOT = Path(bluegreen.__file__).resolve().parent.parent


def bare_python(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` with no site-packages at all: only the stdlib, bluegreen's source and PyYAML."""
    site = tmp_path / "site"
    shutil.copytree(Path(yaml.__file__).parent, site / "yaml")
    prelude = f"import sys; sys.path[:0] = [{str(SOURCE_ROOT)!r}, {str(site)!r}]\n"
    return subprocess.run(
        [sys.executable, "-S", "-E", "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )


def test_the_gateway_agent_runs_on_the_base_install(tmp_path: Path):
    # Given the packaged example config, with directories that exist here
    data = yaml.safe_load(
        resources.files("bluegreen.gateway").joinpath("templates", "gateway.yaml").read_text()
    )
    data["state_file"] = str(tmp_path / "state.json")
    data["nginx"]["command"] = [sys.executable]
    data["nginx"]["site_path"] = str(tmp_path / "bluegreen.conf")
    config = tmp_path / "gateway.yaml"
    config.write_text(yaml.safe_dump(data))

    # When `bluegreen-gateway check-config` runs, then the agent is built as `run` builds it
    result = bare_python(
        tmp_path,
        "from bluegreen.gateway.cli import _build, main\n"
        "from bluegreen.gateway.config import load_gateway_config\n"
        f"code = main(['--config', {str(config)!r}, 'check-config'])\n"
        f"assert _build(load_gateway_config({str(config)!r})) is not None\n"
        "sys.exit(code)\n",
    )

    # Then both work without any package beyond PyYAML
    assert result.returncode == 0, result.stderr
    assert '"parameter_name": "/bluegreen/myapp/prod/active-color"' in result.stdout


def test_the_release_cli_without_its_extra_says_what_to_install(tmp_path: Path):
    result = bare_python(tmp_path, "from bluegreen.cli.entry import main\nmain()\n")

    assert result.returncode == 1
    assert "pip install 'bluegreen[release]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bare_install_brings_only_pyyaml_and_the_release_extra_the_rest():
    project = tomllib.loads((SOURCE_ROOT / "pyproject.toml").read_text())["project"]
    base = {requirement.split(">")[0].split("<")[0].split("=")[0] for requirement in project["dependencies"]}
    assert base == {"pyyaml"}
    assert any(r.startswith("boto3") for r in project["optional-dependencies"]["release"])
