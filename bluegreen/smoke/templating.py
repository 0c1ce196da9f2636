"""`{{ ... }}` placeholders in a step's path, headers, JSON body and expected values.

Three namespaces, nothing else (no expressions, no filters):

- `{{ secrets.<alias> }}` — a secret declared in the suite's `secrets:` map;
- `{{ vars.<name> }}`     — a value captured by an earlier step of the same scenario;
- `{{ run.id }}`          — a random id per suite run (for idempotency keys).

A JSON string that is exactly one placeholder takes the value's own type (a captured number
stays a number); anywhere else the value is interpolated as text. Values put into a path are
percent-encoded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from pydantic import JsonValue

from bluegreen.smoke.errors import TemplateSyntaxError, TemplateValueError

Namespace = Literal["secrets", "vars", "run"]

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_REFERENCE = re.compile(r"^\s*(secrets|vars|run)\.([A-Za-z_][A-Za-z0-9_]{0,63})\s*$")
_RUN_NAMES = frozenset({"id"})


@dataclass(frozen=True)
class Reference:
    namespace: Namespace
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}.{self.name}"


def _parse(inner: str, text: str) -> Reference:
    match = _REFERENCE.match(inner)
    if match is None:
        raise TemplateSyntaxError(
            text, f"bad placeholder {{{{{inner}}}}}: use secrets.<alias>, vars.<name> or run.id"
        )
    namespace: Namespace = match.group(1)  # type: ignore[assignment]
    name = match.group(2)
    if namespace == "run" and name not in _RUN_NAMES:
        raise TemplateSyntaxError(text, f"unknown placeholder run.{name}: only run.id exists")
    return Reference(namespace, name)


def references(text: str) -> list[Reference]:
    """Every placeholder in `text`; raises TemplateSyntaxError on a malformed one."""
    found = [_parse(m.group(1), text) for m in _PLACEHOLDER.finditer(text)]
    rest = _PLACEHOLDER.sub("", text)
    if "{{" in rest or "}}" in rest:
        raise TemplateSyntaxError(text, "unbalanced '{{' or '}}'")
    return found


def strings_in(value: JsonValue, where: str = "") -> Iterator[tuple[str, str]]:
    """(dotted location, string) for every string (and key) inside a JSON value."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings_in(item, f"{where}.{index}" if where else str(index))
    elif isinstance(value, dict):
        for key, item in value.items():
            location = f"{where}.{key}" if where else key
            yield location, key
            yield from strings_in(item, location)


def check_json_templates(value: JsonValue) -> JsonValue:
    """Pydantic validator: every string in `value` has well-formed placeholders."""
    for _, text in strings_in(value):
        references(text)
    return value


def check_text_template(text: str) -> str:
    references(text)
    return text


@dataclass(frozen=True)
class TemplateContext:
    """The values placeholders resolve to, for one scenario run."""

    secrets: Mapping[str, str]
    run_id: str
    vars: dict[str, JsonValue] = field(default_factory=dict)

    def lookup(self, ref: Reference) -> JsonValue:
        if ref.namespace == "secrets":
            if ref.name in self.secrets:
                return self.secrets[ref.name]
        elif ref.namespace == "vars":
            if ref.name in self.vars:
                return self.vars[ref.name]
        else:
            return self.run_id
        raise TemplateValueError(str(ref))


def _as_text(value: JsonValue) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def render_text(text: str, ctx: TemplateContext, *, url_path: bool = False) -> str:
    def replace(match: re.Match[str]) -> str:
        rendered = _as_text(ctx.lookup(_parse(match.group(1), text)))
        return quote(rendered, safe="") if url_path else rendered

    return _PLACEHOLDER.sub(replace, text)


def render_json(value: JsonValue, ctx: TemplateContext) -> JsonValue:
    if isinstance(value, str):
        stripped = value.strip()
        whole = _PLACEHOLDER.match(stripped)
        if whole is not None and whole.end() == len(stripped):
            return ctx.lookup(_parse(whole.group(1), value))
        return render_text(value, ctx)
    if isinstance(value, list):
        return [render_json(item, ctx) for item in value]
    if isinstance(value, dict):
        return {render_text(key, ctx): render_json(item, ctx) for key, item in value.items()}
    return value
