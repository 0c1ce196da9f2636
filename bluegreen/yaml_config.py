"""Load a YAML file into a pydantic model, with errors that name the file and every bad field.

Shared by the app config (bluegreen.config) and the gateway agent's config (bluegreen.gateway.config).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bluegreen.errors import ConfigError
from bluegreen.yaml_file import read_yaml

ModelT = TypeVar("ModelT", bound=BaseModel)


def field_path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def parse_model(model: type[ModelT], data: Any, source: str) -> ModelT:
    """Validate already-parsed data; `source` names the file in every error."""
    if not isinstance(data, dict):
        raise ConfigError(source, [("(top level)", "expected a mapping of settings")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [(field_path(err["loc"]), err["msg"]) for err in exc.errors()]
        raise ConfigError(source, problems) from exc


def load_model(model: type[ModelT], path: str | Path) -> ModelT:
    """Read `path` as YAML and validate it as `model`."""
    return parse_model(model, read_yaml(path), str(Path(path)))
