"""Label selectors (``app=web,track in (blue,green),!legacy``) and the field selectors the fake supports."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bluegreen.local.fake_kube.errors import bad_request

_KEY = r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET_REQUIREMENT = re.compile(rf"^({_KEY})\s+(in|notin)\s+\(\s*([^()]*)\)$")
_EQUALITY_REQUIREMENT = re.compile(rf"^({_KEY})\s*(==|!=|=)\s*({_VALUE})$")
_EXISTS_REQUIREMENT = re.compile(rf"^(!?)\s*({_KEY})$")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!"
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        return not present or labels[self.key] not in self.values  # "!=" and "notin"


def _split_requirements(selector: str) -> list[str]:
    """Split on the commas that separate requirements, not those inside ``in (a,b)``."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts]


def parse_label_selector(selector: str) -> list[Requirement]:
    if not selector.strip():
        return []
    requirements = []
    for part in _split_requirements(selector):
        requirements.append(_parse_requirement(part, selector))
    return requirements


def _parse_requirement(part: str, selector: str) -> Requirement:
    if match := _SET_REQUIREMENT.match(part):
        values = frozenset(value.strip() for value in match.group(3).split(",") if value.strip())
        if not values or not all(re.fullmatch(_VALUE, value) for value in values):
            raise bad_request(f"unable to parse requirement: invalid values in {part!r}")
        return Requirement(match.group(1), match.group(2), values)
    if match := _EQUALITY_REQUIREMENT.match(part):
        operator = "!=" if match.group(2) == "!=" else "="
        return Requirement(match.group(1), operator, frozenset({match.group(3)}))
    if match := _EXISTS_REQUIREMENT.match(part):
        return Requirement(match.group(2), "!" if match.group(1) else "exists", frozenset())
    raise bad_request(f"unable to parse requirement: {part!r} in label selector {selector!r}")


def label_selector_matcher(selector: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate on whole objects; raises a 400 ``KubeApiError`` for a malformed selector."""
    requirements = parse_label_selector(selector)

    def matches(obj: dict[str, Any]) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(requirement.matches(labels) for requirement in requirements)

    return matches


_FIELDS = {"metadata.name": "name", "metadata.namespace": "namespace"}


def field_selector_matcher(selector: str) -> Callable[[dict[str, Any]], bool]:
    """``metadata.name`` and ``metadata.namespace`` with =, == and !=; other fields are a 400."""
    checks: list[tuple[str, bool, str]] = []
    for part in _split_requirements(selector) if selector.strip() else []:
        match = re.fullmatch(r"([A-Za-z.]+)\s*(==|!=|=)\s*(.*)", part)
        if not match:
            raise bad_request(f"invalid selector: {part!r}; can't understand {part!r}")
        field, operator, value = match.groups()
        if field not in _FIELDS:
            raise bad_request(f"field label not supported: {field}")
        checks.append((_FIELDS[field], operator == "!=", value.strip()))

    def matches(obj: dict[str, Any]) -> bool:
        metadata = obj.get("metadata", {})
        return all((metadata.get(field, "") == value) != negate for field, negate, value in checks)

    return matches
