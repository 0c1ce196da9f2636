"""Build the one Lambda asset, build/lambda/, without Docker.

    .venv/bin/python scripts/build_lambda_asset.py --config config/<app>.yaml [--out build/lambda]

Third-party packages come from PyPI as cp312 manylinux x86_64 wheels (`pip --target --platform`),
matching the python3.12 x86_64 runtime in stacks/lambda_defaults.py. They are reinstalled only
when the dependency list (pyproject's dependencies and `release` extra) or the pip options change: a hash
of both is kept next to the asset, so a second run only refreshes our own code (bluegreen/,
lambdas/) and the config, which takes well under a second.

The asset carries the chosen app config alone, as config/<file name> (what the functions'
BLUEGREEN_CONFIG names): another app's approvers, Slack channel and secret names have no business
inside this app's functions.

boto3 is installed into the asset although the runtime has one: the runtime's copy changes
when AWS updates it, and a release orchestrator should run the SDK its tests ran.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = ("bluegreen", "lambdas")
PIP_PLATFORM_OPTIONS = (
    # AL2023 (glibc 2.34) runs the python3.12 runtime: manylinux2014 and manylinux_2_28 both load.
    "--platform",
    "manylinux2014_x86_64",
    "--platform",
    "manylinux_2_28_x86_64",
    "--implementation",
    "cp",
    "--python-version",
    "3.12",
    "--only-binary=:all:",
)
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")


def runtime_dependencies(pyproject: Path) -> list[str]:
    """The Lambdas' requirements, as pyproject.toml declares them: the base install plus `release`."""
    with pyproject.open("rb") as handle:
        project = tomllib.load(handle)["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["release"]]
    return sorted({str(requirement) for requirement in requirements})


def dependencies_hash(requirements: Sequence[str]) -> str:
    payload = json.dumps({"requirements": list(requirements), "pip": PIP_PLATFORM_OPTIONS}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def install_dependencies(requirements: Sequence[str], out: Path) -> None:
    """Fresh `pip install --target`: a half-updated target would mix two dependency sets."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(out),
        *PIP_PLATFORM_OPTIONS,
        *requirements,
    ]
    subprocess.run(command, check=True)


def copy_first_party(out: Path, configs: Sequence[Path]) -> None:
    """Replace our own code and the config; third-party packages are left alone."""
    for package in FIRST_PARTY:
        target = out / package
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(ROOT / package, target, ignore=IGNORED)
    config_dir = out / "config"
    if config_dir.exists():
        shutil.rmtree(config_dir)
    config_dir.mkdir()
    for config in configs:
        shutil.copyfile(config, config_dir / config.name)


def config_problem(configs: Sequence[Path]) -> str | None:
    """Why `configs` cannot be bundled, or None."""
    if not configs:
        return "name the app config to bundle: --config config/<app>.yaml"
    missing = [str(config) for config in configs if not config.is_file()]
    if missing:
        return f"config file(s) not found: {', '.join(missing)}"
    names = [config.name for config in configs]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        return f"two configs would both be config/{clashes[0]} in the asset"
    return None


def build(out: Path, configs: Sequence[Path], *, force: bool = False) -> bool:
    """Build or refresh `out`; True when the dependencies were (re)installed."""
    requirements = runtime_dependencies(ROOT / "pyproject.toml")
    digest = dependencies_hash(requirements)
    stamp = out.parent / f".{out.name}.deps.sha256"
    reinstall = force or not out.is_dir() or not stamp.is_file() or stamp.read_text().strip() != digest
    if reinstall:
        stamp.unlink(missing_ok=True)
        install_dependencies(requirements, out)
        stamp.write_text(digest + "\n")
    copy_first_party(out, configs)
    return reinstall


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lambda")
    parser.add_argument(
        "--config",
        type=Path,
        action="append",
        default=[],
        help="the app config to bundle as config/<file name> (the only config in the asset)",
    )
    parser.add_argument("--force", action="store_true", help="reinstall dependencies even if unchanged")
    args = parser.parse_args(argv)
    configs: list[Path] = args.config
    problem = config_problem(configs)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    reinstalled = build(args.out, configs, force=args.force)
    print(
        f"{args.out}: {'dependencies installed' if reinstalled else 'dependencies unchanged'}; code refreshed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
