from __future__ import annotations

from typing import Any

import pytest

from bluegreen.smoke.assertions import JsonPathSyntaxError, Operator, compile_jsonpath, evaluate, json_equal

DOC: dict[str, Any] = {
    "status": "PAID",
    "amount": {"value": 1.0, "currency": "EUR"},
    "flags": {"test": True},
    "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}],
    "note": None,
}


@pytest.mark.parametrize(
    ("path", "operator", "operand", "ok"),
    [
        ("$.status", Operator.EQUALS, "PAID", True),
        ("$.status", Operator.EQUALS, "DECLINED", False),
        ("$.amount.value", Operator.EQUALS, 1, True),
        ("$.flags.test", Operator.EQUALS, 1, False),
        ("$.flags.test", Operator.EQUALS, True, True),
        ("$.amount", Operator.EQUALS, {"currency": "EUR", "value": 1.0}, True),
        ("$.items[*].sku", Operator.EQUALS, ["a", "b"], True),
        ("$.items[?(@.qty > 1)].sku", Operator.EQUALS, "b", True),
        ("$.missing", Operator.EXISTS, False, True),
        ("$.missing", Operator.EXISTS, True, False),
        ("$.note", Operator.EXISTS, True, True),
        ("$.note", Operator.ONE_OF, [None], True),
        ("$.status", Operator.MATCHES, "^PA", True),
        ("$.amount.value", Operator.MATCHES, "1", False),
        ("$.amount.currency", Operator.ONE_OF, ["GBP", "EUR"], True),
        ("$.missing", Operator.EQUALS, "x", False),
    ],
)
def test_assertions(path: str, operator: Operator, operand: Any, ok: bool) -> None:
    assert evaluate(path, operator, operand, DOC).ok is ok


def test_a_failed_assertion_describes_what_was_expected_and_found() -> None:
    outcome = evaluate("$.status", Operator.EQUALS, "DECLINED", DOC)

    assert (outcome.expected, outcome.actual, outcome.found) == ('"DECLINED"', "PAID", True)


def test_nothing_at_the_path_is_reported_as_not_found() -> None:
    outcome = evaluate("$.nope", Operator.MATCHES, "x", DOC)

    assert (outcome.ok, outcome.found, outcome.expected) == (False, False, "a string matching /x/")


def test_json_equality_tells_booleans_from_numbers() -> None:
    assert not json_equal(True, 1)
    assert json_equal([1, {"a": False}], [1.0, {"a": False}])


def test_an_invalid_jsonpath_is_a_value_error_naming_the_expression() -> None:
    with pytest.raises(JsonPathSyntaxError) as caught:
        compile_jsonpath("$.a[")
    assert isinstance(caught.value, ValueError)
    assert caught.value.expression == "$.a["
