"""Read a YAML file, with errors that name the file. No pydantic here: the gateway agent uses it too.

The gateway agent keeps its memory small, so this module imports only PyYAML and the error type;
validation into a typed model happens in the caller (bluegreen.yaml_config for pydantic models,
bluegreen.gateway.config for the agent's dataclasses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bluegreen.errors import ConfigError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path) -> Any:
    """The parsed content of `path`; ConfigError naming the file when it cannot be read or parsed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [("(file)", f"cannot read: {exc.strerror or exc}")]) from exc
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader (libyaml's when present)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [("(file)", f"not valid YAML: {exc}")]) from exc
