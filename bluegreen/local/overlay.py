"""What a local rehearsal needs beyond the app config: `config/rehearsal/<app>.yaml`, never deployed.

    secrets:        # Secrets Manager values in the local AWS (moto), by secret name; a mapping is
                    # stored as the JSON document the suite's `key`s pick fields from
    stand_ins:
      users: [...]  # who the `sessions` stand-in lets in (and the `profiles` one describes)
      services:     # service -> the job its local pods do beyond health checks:
                    # sessions | profiles | payments

Everything else comes from the app config itself. The overlay is checked against it, with errors
that name the overlay file and the field: a service it names must exist, and every secret the
smoke suite reads must have a local value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from bluegreen.config import AppConfig, StrictModel
from bluegreen.errors import ConfigError
from bluegreen.yaml_config import load_model

SecretValue = str | dict[str, str | int]


class OverlayUser(StrictModel):
    user_id: Annotated[str, Field(min_length=1)]
    username: Annotated[str, Field(min_length=1)]
    password: Annotated[str, Field(min_length=1)]
    email: str = ""
    name: str = ""
    phone: str = ""


class StandInsOverlay(StrictModel):
    users: list[OverlayUser] = Field(default_factory=list)
    services: dict[str, Literal["sessions", "profiles", "payments"]] = Field(default_factory=dict)


class RehearsalOverlay(StrictModel):
    secrets: dict[str, SecretValue] = Field(default_factory=dict)
    stand_ins: StandInsOverlay = StandInsOverlay()


def default_overlay_path(config_path: Path) -> Path:
    """`config/rehearsal/<name>` beside `config/<name>`."""
    return config_path.parent / "rehearsal" / config_path.name


def load_overlay(config: AppConfig, config_path: Path, overlay_path: Path | None = None) -> RehearsalOverlay:
    """The overlay given, else the default one if it exists, else an empty one; checked against
    `config`. Raises ConfigError naming the overlay file and the field."""
    path = overlay_path or default_overlay_path(config_path)
    if overlay_path is None and not path.is_file():
        overlay = RehearsalOverlay()
    else:
        overlay = load_model(RehearsalOverlay, path)
    problems = overlay_problems(overlay, config, config_path)
    if problems:
        raise ConfigError(str(path), problems)
    return overlay


def overlay_problems(
    overlay: RehearsalOverlay, config: AppConfig, config_path: Path
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name in overlay.stand_ins.services:
        if config.service(name) is None:
            problems.append((f"stand_ins.services.{name}", f"{config_path} has no service {name!r}"))
    suite = config.smoke.suite
    for alias, ref in (suite.secrets if suite else {}).items():
        value = overlay.secrets.get(ref.name)
        where = f"secrets.{ref.name}"
        if value is None:
            problems.append((where, f"missing: the smoke suite reads it (secrets.{alias} in {config_path})"))
        elif ref.key is not None and (not isinstance(value, dict) or ref.key not in value):
            problems.append((where, f"needs a key {ref.key!r}: the smoke suite reads it (secrets.{alias})"))
    return problems
