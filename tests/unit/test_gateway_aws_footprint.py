"""The gateway's AWS client must not drag in the heavy libraries it exists to replace."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("boto3", "botocore", "pydantic", "urllib.request", "requests", "httpx")


def test_importing_the_aws_client_loads_only_the_standard_library():
    # Given a fresh interpreter
    script = (
        "import json, sys\n"
        "import bluegreen.gateway.aws\n"
        f"print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))\n"
    )

    # When it imports bluegreen.gateway.aws
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    # Then none of the heavy modules were imported
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_the_whole_agent_is_built_without_the_heavy_libraries(tmp_path):
    # Given the packaged example config, pointed at a state file we own
    from importlib import resources

    import yaml

    data = yaml.safe_load(
        resources.files("bluegreen.gateway").joinpath("templates", "gateway.yaml").read_text()
    )
    data["state_file"] = str(tmp_path / "state.json")
    config_path = tmp_path / "gateway.yaml"
    config_path.write_text(yaml.safe_dump(data))
    script = (
        "import json, sys\n"
        "from bluegreen.gateway.cli import _build\n"
        "from bluegreen.gateway.config import load_gateway_config\n"
        f"agent = _build(load_gateway_config({str(config_path)!r}))\n"
        "assert agent is not None\n"
        f"print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true", "HOME": str(tmp_path)}

    # When a fresh interpreter loads the config and builds the agent the way `run` does
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False, env=env
    )

    # Then neither boto3/botocore nor pydantic was loaded (the daemon's memory goal depends on it)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
