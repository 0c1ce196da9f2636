"""JSONPath assertions on a response body (jsonpath-ng, with its filter extensions).

Pure functions: select values, compare them, describe the expectation. Redacting what is
shown to people happens elsewhere (redaction.py), after the comparison.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from enum import StrEnum

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.ext.parser import parse as _parse_jsonpath
from pydantic import JsonValue

from bluegreen.smoke.errors import SmokeError

# The ply-based parser is not documented as thread-safe, and scenarios run on threads.
_parse_lock = threading.Lock()
_compiled: dict[str, JSONPath] = {}


class JsonPathSyntaxError(SmokeError, ValueError):
    """A JSONPath expression does not parse (a ValueError, so pydantic reports it per field)."""

    def __init__(self, expression: str, problem: str) -> None:
        self.expression = expression
        self.problem = problem
        super().__init__(f"invalid JSONPath {expression!r}: {problem}")


def compile_jsonpath(expression: str) -> JSONPath:
    with _parse_lock:
        compiled = _compiled.get(expression)
        if compiled is None:
            if not expression.startswith("$"):
                raise JsonPathSyntaxError(expression, "must start with '$'")
            try:
                compiled = _parse_jsonpath(expression)
            except (JSONPathError, ValueError, TypeError, AttributeError) as exc:
                raise JsonPathSyntaxError(expression, str(exc)) from exc
            _compiled[expression] = compiled
        return compiled


def check_jsonpath(expression: str) -> str:
    """Pydantic validator: the expression parses."""
    compile_jsonpath(expression)
    return expression


def select(expression: str, document: JsonValue) -> list[JsonValue]:
    return [match.value for match in compile_jsonpath(expression).find(document)]


class Operator(StrEnum):
    EQUALS = "equals"
    EXISTS = "exists"
    MATCHES = "matches"
    ONE_OF = "one_of"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    expected: str
    actual: JsonValue
    found: bool


def json_equal(left: JsonValue, right: JsonValue) -> bool:
    """Equality as JSON means it: `true` is not `1`, `1` is `1.0`."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return left == right


def _dump(value: JsonValue) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def describe(operator: Operator, operand: JsonValue) -> str:
    if operator is Operator.EQUALS:
        return _dump(operand)
    if operator is Operator.EXISTS:
        return "present" if operand else "absent"
    if operator is Operator.MATCHES:
        return f"a string matching /{operand}/"
    return f"one of {_dump(operand)}"


def evaluate(expression: str, operator: Operator, operand: JsonValue, document: JsonValue) -> Outcome:
    """Check one assertion. A path selecting several values is compared as a list."""
    values = select(expression, document)
    found = bool(values)
    actual: JsonValue = values[0] if len(values) == 1 else values
    expected = describe(operator, operand)
    if operator is Operator.EXISTS:
        return Outcome(found == bool(operand), expected, actual, found)
    if not found:
        return Outcome(False, expected, None, found)
    if operator is Operator.EQUALS:
        ok = json_equal(actual, operand)
    elif operator is Operator.MATCHES:
        ok = isinstance(actual, str) and re.search(str(operand), actual) is not None
    else:
        ok = isinstance(operand, list) and any(json_equal(actual, option) for option in operand)
    return Outcome(ok, expected, actual, found)
