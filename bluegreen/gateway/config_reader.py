"""Typed reads from parsed YAML that collect every problem under its dotted field name.

The agent's config is validated without pydantic (it would cost the resident daemon ~20 MB; see
docs/decision_log.md). A `Section` wraps one mapping of the file; each read returns a typed value
or, after recording a problem, a placeholder that is never used because `ConfigError` is raised
once every field has been looked at. Unknown keys are problems too: a typo must not be ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from bluegreen.errors import ConfigError

EnumT = TypeVar("EnumT", bound=Enum)
T = TypeVar("T")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def _type_name(value: object) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}.get(
        type(value), type(value).__name__
    )


class Problems:
    """Every (field, message) found in one file; `raise_if_any` turns them into one ConfigError."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append((field or "(top level)", message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(self.source, self.items)


class Section:
    """One mapping of the config file, read field by field."""

    def __init__(self, data: Mapping[str, Any], problems: Problems, prefix: str = "") -> None:
        self._data = data
        self._problems = problems
        self._prefix = prefix
        self._read: set[str] = set()

    def field(self, name: str) -> str:
        return f"{self._prefix}.{name}" if self._prefix else name

    def problem(self, name: str, message: str) -> None:
        self._problems.add(self.field(name) if name else self._prefix, message)

    def _take(self, name: str, default: Any) -> tuple[bool, Any]:
        """(present, value); a missing required field is recorded here."""
        self._read.add(name)
        if name in self._data and self._data[name] is not None:
            return True, self._data[name]
        if default is REQUIRED:
            self.problem(name, "field required")
        return False, default

    def text(
        self,
        name: str,
        default: Any = REQUIRED,
        *,
        pattern: str | None = None,
        max_length: int | None = None,
        explain: str | None = None,
    ) -> str:
        present, value = self._take(name, default)
        if not present:
            return value if isinstance(value, str) else ""
        if not isinstance(value, str):
            self.problem(name, f"must be a string, not {_type_name(value)}")
            return ""
        if max_length is not None and len(value) > max_length:
            self.problem(name, f"must be at most {max_length} characters")
            return ""
        if pattern is not None and not re.fullmatch(pattern, value):
            self.problem(name, explain or f"must match {pattern}")
            return ""
        return value

    def optional_text(
        self, name: str, *, pattern: str | None = None, explain: str | None = None
    ) -> str | None:
        if self._data.get(name) is None:
            self._read.add(name)
            return None
        return self.text(name, pattern=pattern, explain=explain)

    def number(
        self,
        name: str,
        default: float,
        *,
        gt: float | None = None,
        ge: float | None = None,
        le: float | None = None,
    ) -> float:
        present, value = self._take(name, default)
        if not present:
            return float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(name, f"must be a number, not {_type_name(value)}")
            return float(default)
        return float(self._bounded(name, value, gt, ge, le, default))

    def integer(self, name: str, default: int, *, ge: int, le: int) -> int:
        present, value = self._take(name, default)
        if not present:
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(name, f"must be an integer, not {_type_name(value)}")
            return default
        return int(self._bounded(name, value, None, ge, le, default))

    def _bounded(
        self, name: str, value: float, gt: float | None, ge: float | None, le: float | None, default: float
    ) -> float:
        if gt is not None and not value > gt:
            self.problem(name, f"must be greater than {gt:g}")
            return default
        if ge is not None and not value >= ge:
            self.problem(name, f"must be at least {ge:g}")
            return default
        if le is not None and not value <= le:
            self.problem(name, f"must be at most {le:g}")
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        """A YAML `true` / `false`; strings such as "yes" or "off" and numbers are refused."""
        present, value = self._take(name, default)
        if not present:
            return bool(value)
        if not isinstance(value, bool):
            self.problem(name, f"must be true or false, not {_type_name(value)}")
            return default
        return value

    def choice(self, name: str, enum: type[EnumT], default: EnumT) -> EnumT:
        present, value = self._take(name, default)
        if not present:
            return default
        for member in enum:
            if value == member.value:
                return member
        allowed = ", ".join(repr(member.value) for member in enum)
        self.problem(name, f"must be one of {allowed}, not {value!r}")
        return default

    def absolute_path(self, name: str, default: Path, *, pattern: str, explain: str) -> Path:
        text = self.text(name, str(default), pattern=pattern, explain=explain)
        return Path(text) if text else default

    def text_list(self, name: str, default: list[str], *, item_pattern: str, explain: str) -> tuple[str, ...]:
        present, value = self._take(name, default)
        if not present:
            return tuple(value)
        if not isinstance(value, list) or not value:
            self.problem(name, "must be a non-empty list of strings")
            return tuple(default)
        items: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not re.fullmatch(item_pattern, item):
                self.problem(f"{name}.{index}", explain)
            else:
                items.append(item)
        return tuple(items)

    def section(self, name: str, *, required: bool = False) -> Section:
        """The nested mapping `name` (an empty one when absent and optional)."""
        present, value = self._take(name, REQUIRED if required else None)
        if not present:
            return Section({}, self._problems, self.field(name))
        if not isinstance(value, Mapping):
            self.problem(name, f"must be a mapping of settings, not {_type_name(value)}")
            return Section({}, self._problems, self.field(name))
        return Section(value, self._problems, self.field(name))

    def check(self, condition: bool, name: str, message: str) -> None:
        """Record a cross-field rule; `name` "" records it on the section itself."""
        if not condition:
            self.problem(name, message)

    def refuse_unknown(self) -> None:
        for key in self._data:
            if key not in self._read:
                self.problem(str(key), "unknown setting (check the spelling)")


def read_config(data: Any, source: str, build: Callable[[Section], T]) -> T:
    """Run `build` over the top-level mapping; ConfigError naming `source` and every bad field."""
    problems = Problems(source)
    if not isinstance(data, Mapping):
        problems.add("(top level)", "expected a mapping of settings")
        problems.raise_if_any()
    section = Section(data, problems)
    result = build(section)
    problems.raise_if_any()
    return result
