from __future__ import annotations

import json

from pydantic import JsonValue

from bluegreen.smoke.redaction import REDACTED, Redactor, normalize_field


def test_field_names_match_whatever_their_case_or_separators() -> None:
    redactor = Redactor(["e-mail"])

    assert normalize_field("Card-Number") == normalize_field("cardNumber") == "cardnumber"
    assert redactor.is_sensitive_field("card_number")
    assert redactor.is_sensitive_field("EMail")
    assert not redactor.is_sensitive_field("status")


def test_json_is_redacted_by_field_and_by_secret_value() -> None:
    redactor = Redactor(secret_values=["hunter2-secret"])
    body: JsonValue = {
        "password": "anything",
        "card": {"cardNumber": "5555555555554444", "last4": "4444"},
        "note": "the password was hunter2-secret",
        "items": [{"accessToken": "x"}],
    }

    assert redactor.json(body) == {
        "password": REDACTED,
        "card": {"cardNumber": REDACTED, "last4": "4444"},
        "note": f"the password was {REDACTED}",
        "items": [{"accessToken": REDACTED}],
    }


def test_card_numbers_are_redacted_anywhere_but_other_long_numbers_are_not() -> None:
    redactor = Redactor()

    assert redactor.text("paid with 4111 1111 1111 1111 ok") == f"paid with {REDACTED} ok"
    assert redactor.text("order 1234567890123456") == "order 1234567890123456"  # fails Luhn


def test_text_that_is_not_json_is_redacted_by_key_too() -> None:
    redactor = Redactor()

    text = redactor.free_text('{"token": "abc.def", "user": "x", "password":"p4ss" <truncated')
    assert "abc.def" not in text
    assert "p4ss" not in text
    assert '"user": "x"' in text
    assert redactor.free_text("a=1&password=p4ss&b=2") == f"a=1&password={REDACTED}&b=2"


def test_excerpts_are_cut_after_redaction() -> None:
    redactor = Redactor(secret_values=["s3cr3t-value"])
    body = json.dumps({"x": "a" * 20 + "s3cr3t-value" + "b" * 500}).encode()

    excerpt = redactor.excerpt(body, 40)
    assert len(excerpt) == 40
    assert excerpt.endswith("…")
    assert "s3cr3t" not in excerpt
    assert REDACTED in excerpt


def test_captured_values_become_secrets_and_short_ones_are_left_to_field_rules() -> None:
    redactor = Redactor()
    redactor.add_value("tok_abcdef")
    redactor.add_value("42")

    assert redactor.text("tok_abcdef and 42") == f"{REDACTED} and 42"
