"""The last colour and parameter version this gateway really applied, persisted across restarts.

After a restart of the agent or of nginx the gateway serves this colour at once; nothing ever falls
back to a built-in default colour.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bluegreen.colors import Color
from bluegreen.gateway.errors import StateError
from bluegreen.gateway.files import atomic_write_text, read_text_or_none


@dataclass(frozen=True)
class AppliedState:
    color: Color
    version: int
    applied_at: str
    parameter_name: str

    def to_json(self) -> str:
        data = {
            "color": self.color.value,
            "version": self.version,
            "applied_at": self.applied_at,
            "parameter_name": self.parameter_name,
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str) -> AppliedState:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StateError(f"state file {source} is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise StateError(f"state file {source}: expected an object")
        color = Color.parse(data.get("color"))
        version = data.get("version")
        applied_at = data.get("applied_at")
        parameter_name = data.get("parameter_name")
        if color is None:
            raise StateError(f"state file {source}: color {data.get('color')!r} is not blue or green")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise StateError(f"state file {source}: version {version!r} is not a positive integer")
        if not isinstance(applied_at, str) or not isinstance(parameter_name, str):
            raise StateError(f"state file {source}: applied_at and parameter_name must be strings")
        return cls(color=color, version=version, applied_at=applied_at, parameter_name=parameter_name)


class StateStore:
    """One small JSON file, replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> AppliedState | None:
        try:
            text = read_text_or_none(self.path)
        except OSError as exc:
            raise StateError(f"cannot read state file {self.path}: {exc}") from exc
        return None if text is None else AppliedState.from_json(text, str(self.path))

    def save(self, state: AppliedState) -> None:
        try:
            atomic_write_text(self.path, state.to_json())
        except OSError as exc:
            raise StateError(f"cannot write state file {self.path}: {exc}") from exc
