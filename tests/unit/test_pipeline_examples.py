"""The pipeline examples stay in step with the CLI: valid YAML, and every option they pass exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bluegreen.cli import commands  # noqa: F401 - registers the commands
from bluegreen.cli.main import cli
from bluegreen.cli.release import start

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _options(command: object) -> set[str]:
    return {opt for param in command.params for opt in param.opts}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["github-actions/release.yml", "codebuild/buildspec.yml"])
def test_example_starts_a_release_with_options_the_cli_has(path: str) -> None:
    text = (EXAMPLES / path).read_text(encoding="utf-8")
    yaml.safe_load(text)  # valid YAML
    command = text[text.index("bluegreen --config") :]
    passed = set(re.findall(r"(?<=\s)--[a-z-]+", command.split("release start", 1)[1]))
    assert {"--version", "--image", "--wait"} <= passed
    assert passed <= _options(start), passed - _options(start)
    assert "--config" in _options(cli)


@pytest.mark.parametrize("path", ["github-actions/release.yml", "codebuild/buildspec.yml"])
def test_example_starts_through_start_release_with_a_signed_pipeline_claim(path: str) -> None:
    text = (EXAMPLES / path).read_text(encoding="utf-8")
    # the role holds the starters policy, never StartExecution itself
    assert "ReleaseStartersPolicyArn" in text
    assert "states:StartExecution" not in text
    # the claim names the pipeline's actor in a form approvals.identities.people maps
    assert re.search(r'--triggered-by "(github|codebuild):\$\{[A-Z_]+\}"', text)
    assert "pipeline_roles" in text
