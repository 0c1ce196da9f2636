"""CDK entry point: load `config/<app>.yaml`, build its stack, run cdk-nag.

    CDK_OUTDIR=cdk.out CDK_CONTEXT_JSON='{"config": "config/<app>.yaml"}' .venv/bin/python app.py

(`make synth CONFIG=...` does exactly that; `cdk synth -c config=...` works too). The config has no
default: a bare `cdk deploy` is refused rather than building the example app. Nothing here calls AWS.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import cx_api

from bluegreen.config import load_config
from bluegreen.errors import ConfigError
from stacks.constructs.workflow import UnknownPlaceholderError
from stacks.nag import apply_aws_solutions_checks
from stacks.release_stack import ReleaseStack, stack_name_for

ROOT = Path(__file__).resolve().parent
NO_CONFIG = (
    "no app config: name one with `-c config=config/<app>.yaml` (`make synth CONFIG=config/<app>.yaml`); "
    "there is no default, so a deploy cannot silently build another app's stack"
)
DEFAULT_LAMBDA_ASSET = "build/lambda"
DEFAULT_DEFINITION = "statemachines/release.asl.json"


def cdk_json_context(root: Path = ROOT) -> dict[str, Any]:
    """cdk.json's context (feature flags), so that `python app.py` and `cdk synth` agree.

    Context given on the command line (CDK_CONTEXT_JSON, `-c`) still wins over these defaults.
    """
    document = json.loads((root / "cdk.json").read_text(encoding="utf-8"))
    context = document.get("context", {})
    return dict(context) if isinstance(context, dict) else {}


def lambda_asset_problem(asset_dir: Path, config_path: Path) -> str | None:
    """Why `asset_dir` cannot be deployed with `config_path`, or None.

    The Lambdas read the config from their asset; an asset built from another version of the
    file would deploy a workflow that disagrees with the infrastructure synthesized here.
    """
    rebuild = f"run `make build/lambda CONFIG={config_path}`"
    if not asset_dir.is_dir():
        return f"Lambda asset {asset_dir} not found: {rebuild}"
    bundled = asset_dir / "config" / config_path.name
    if not bundled.is_file() or bundled.read_bytes() != config_path.read_bytes():
        return f"Lambda asset {asset_dir} does not hold the current {config_path}: {rebuild}"
    return None


def _context(app: cdk.App, key: str) -> Path | None:
    value = app.node.try_get_context(key)
    return Path(str(value)) if value else None


def main() -> int:
    app = cdk.App(context=cdk_json_context())
    config_path = _context(app, "config")
    if config_path is None:
        print(NO_CONFIG, file=sys.stderr)
        return 1
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    asset_dir = _context(app, "lambda_asset") or Path(DEFAULT_LAMBDA_ASSET)
    problem = lambda_asset_problem(asset_dir, config_path)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    definition_path = _context(app, "definition") or Path(DEFAULT_DEFINITION)
    if not definition_path.is_file():
        print(f"state machine definition {definition_path} not found", file=sys.stderr)
        return 1
    try:
        ReleaseStack(
            app,
            stack_name_for(config),
            config=config,
            config_file_name=config_path.name,
            lambda_code=lambda_.Code.from_asset(str(asset_dir)),
            definition_path=definition_path,
            description=f"bluegreen release workflow for {config.app}/{config.environment}",
        )
    except UnknownPlaceholderError as exc:
        print(exc, file=sys.stderr)
        return 1
    apply_aws_solutions_checks(app)
    return report_synthesis_messages(app.synth())


def report_synthesis_messages(assembly: cx_api.CloudAssembly) -> int:
    """Print warnings and errors (cdk-nag's among them) as the CDK CLI would; 1 if any is an error.

    `python app.py` alone never fails on an error annotation, so `make synth` would pass an
    unsuppressed cdk-nag finding without this.
    """
    errors = 0
    for stack in assembly.stacks:
        for message in stack.messages:
            if message.level == cx_api.SynthesisMessageLevel.INFO:
                continue
            errors += message.level == cx_api.SynthesisMessageLevel.ERROR
            print(f"[{message.level.value}] {message.id}: {message.entry.data}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
