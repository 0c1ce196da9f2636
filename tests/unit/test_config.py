from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bluegreen.config import load_config
from bluegreen.errors import ConfigError

MYAPP = Path(__file__).resolve().parents[2] / "config" / "myapp.yaml"


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def myapp() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MYAPP.read_text(encoding="utf-8"))
    return data


def test_the_example_config_loads() -> None:
    config = load_config(MYAPP)
    assert config.service_names == ["payment", "user-login", "user-profile"]
    assert config.parameter_name == "/bluegreen/myapp/prod/active-color"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["services"][1].update(repository="NOT A REPO"), "services.1.repository"),
        (lambda d: d["services"].append(dict(d["services"][0])), "services"),
        (lambda d: d["gateways"].update(poll_seconds=0), "gateways.poll_seconds"),
        (lambda d: d.update(initial_color="purple"), "initial_color"),
        (lambda d: d["cluster"].pop("subnet_ids"), "cluster.subnet_ids"),
        (lambda d: d.update(approvels={}), "approvels"),  # a typo is an error, not ignored
        (lambda d: d["namespaces"].update(green="blue"), "namespaces"),
    ],
)
def test_every_bad_field_is_named_with_the_file(tmp_path: Path, change, field: str) -> None:
    data = myapp()
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert field in [f for f, _ in caught.value.problems]


def test_unreadable_and_non_yaml_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.yaml"):
        load_config(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("app: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"(?s)broken\.yaml.*not valid YAML"):
        load_config(broken)
