"""scripts/build_lambda_asset.py: dependencies reinstalled only when they change; our code always
fresh; the chosen app config and no other."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from tests.infrastructure.conftest import ROOT


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_lambda_asset", ROOT / "scripts" / "build_lambda_asset.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, list[Sequence[str]]]:
    """The script with pip replaced by a recorder (these tests never reach PyPI)."""
    module = _load_script()
    installs: list[Sequence[str]] = []

    def fake_install(requirements: Sequence[str], out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "site-package-marker").write_text("\n".join(requirements))
        installs.append(requirements)

    monkeypatch.setattr(module, "install_dependencies", fake_install)
    return module, installs


def test_second_build_skips_the_install_and_refreshes_first_party_code(
    script: tuple[ModuleType, list[Sequence[str]]], tmp_path: Path
) -> None:
    module, installs = script
    out = tmp_path / "lambda"

    config = ROOT / "config" / "myapp.yaml"
    assert module.build(out, [config]) is True
    (out / "lambdas" / "stale_handler.py").write_text("left over from an older build")
    assert module.build(out, [config]) is False

    assert len(installs) == 1
    assert not (out / "lambdas" / "stale_handler.py").exists()
    assert (out / "bluegreen" / "config.py").is_file()
    assert (out / "config" / "myapp.yaml").read_bytes() == config.read_bytes()
    assert not list(out.rglob("__pycache__"))


def test_a_changed_dependency_list_reinstalls(
    script: tuple[ModuleType, list[Sequence[str]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, installs = script
    out = tmp_path / "lambda"
    module.build(out, [ROOT / "config" / "myapp.yaml"])

    monkeypatch.setattr(module, "runtime_dependencies", lambda _: ["boto3==1.0", "pydantic>=2"])
    assert module.build(out, [ROOT / "config" / "myapp.yaml"]) is True
    assert installs[-1] == ["boto3==1.0", "pydantic>=2"]


def test_the_asset_carries_the_chosen_config_and_no_other(
    script: tuple[ModuleType, list[Sequence[str]]], tmp_path: Path
) -> None:
    # Given an asset built earlier for another app
    module, _ = script
    out = tmp_path / "lambda"
    module.build(out, [ROOT / "config" / "myapp.yaml"])
    # When it is built for billpay
    module.build(out, [ROOT / "config" / "billpay.yaml"])
    # Then billpay's config is the only file under config/: no other app's approvers, Slack
    # channel or secret names, and no rehearsal overlay
    files = sorted(p.relative_to(out / "config").as_posix() for p in (out / "config").rglob("*"))
    assert files == ["billpay.yaml"]
    assert "myapp" not in (out / "config" / "billpay.yaml").read_text()


def test_a_config_from_elsewhere_is_bundled_under_config(
    script: tuple[ModuleType, list[Sequence[str]]], tmp_path: Path
) -> None:
    module, _ = script
    extra = tmp_path / "other-app.yaml"
    extra.write_text("app: other\n")
    module.build(tmp_path / "lambda", [extra])
    assert [p.name for p in (tmp_path / "lambda" / "config").iterdir()] == ["other-app.yaml"]


@pytest.mark.parametrize(
    ("configs", "problem"),
    [
        ([], "name the app config to bundle: --config config/<app>.yaml"),
        (["missing.yaml"], "config file(s) not found: "),
        (["config/myapp.yaml", "elsewhere/myapp.yaml"], "two configs would both be config/myapp.yaml"),
    ],
)
def test_the_script_refuses_no_config_a_missing_one_or_two_with_one_name(
    tmp_path: Path, configs: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    module = _load_script()
    (tmp_path / "config").mkdir()
    (tmp_path / "elsewhere").mkdir()
    for name in ("config/myapp.yaml", "elsewhere/myapp.yaml"):
        (tmp_path / name).write_text("app: x\n")
    argv = ["--out", str(tmp_path / "out")]
    for config in configs:
        argv += ["--config", str(tmp_path / config)]
    assert module.main(argv) == 1
    assert problem in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_runtime_dependencies_come_from_pyproject() -> None:
    requirements = _load_script().runtime_dependencies(ROOT / "pyproject.toml")
    names = {r.split(">")[0].split("=")[0].split("<")[0].strip().lower() for r in requirements}
    assert {"aws-lambda-powertools", "kubernetes", "pydantic", "pyyaml", "httpx", "boto3"} <= names
