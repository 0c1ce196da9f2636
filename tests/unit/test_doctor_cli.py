"""`bluegreen doctor` without AWS credentials says so once, instead of once per check."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bluegreen.cli import commands  # noqa: F401 - registers the commands
from bluegreen.cli.main import cli

CONFIG = Path(__file__).resolve().parents[2] / "config" / "myapp.yaml"
NO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
    "AWS_WEB_IDENTITY_TOKEN_FILE": None,
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_CONFIG_FILE": "/nonexistent/config",
}


def test_without_credentials_one_line_says_so() -> None:
    argv = ["--config", str(CONFIG), "--region", "eu-west-1", "doctor", "--json"]
    result = CliRunner().invoke(cli, argv, env=NO_CREDENTIALS, catch_exceptions=False)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ready"] is False
    assert report["checks"] == [
        {
            "group": "identity",
            "check": "aws identity",
            "status": "fail",
            "detail": "could not check: no AWS credentials",
            "fix": "set AWS_PROFILE or credentials for the account the stack is in",
        }
    ]


def test_without_a_region_it_asks_for_one() -> None:
    env = {**NO_CREDENTIALS, "AWS_REGION": None, "AWS_DEFAULT_REGION": None}
    result = CliRunner().invoke(cli, ["--config", str(CONFIG), "doctor"], env=env)
    assert result.exit_code == 1
    assert "no AWS region: pass --region or set AWS_REGION" in result.output
