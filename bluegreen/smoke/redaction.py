"""What may be shown to people: bodies and values with secrets and sensitive fields removed.

Three layers, applied to everything that reaches a report or a log line:

1. fields whose name is sensitive (password, token, card number, ...) are replaced whole;
2. every known secret value (and every sensitive captured value, such as a login token) is
   replaced wherever it appears, even inside other text;
3. anything that looks like a payment card number (13-19 digits passing Luhn) is replaced.

Text is cut to a small size *after* redaction, so a cut can never reveal part of a secret.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable

from pydantic import JsonValue

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 3
"""Shorter secret values (a CVC is 3) are still caught by field name and card-number rules,
but are not scrubbed from free text, where they would erase ordinary numbers."""

DEFAULT_SENSITIVE_FIELDS = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "clientsecret",
        "token",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "sessiontoken",
        "authorization",
        "cookie",
        "setcookie",
        "apikey",
        "xapikey",
        "cardnumber",
        "pan",
        "cvc",
        "cvv",
        "cvv2",
        "securitycode",
        "pin",
        "otp",
    }
)

_CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# `key: value`, `"key": "value"`, `key=value` in text that is not (valid) JSON.
_KEY_VALUE = re.compile(
    r"""(?P<key>["']?[A-Za-z0-9_.-]+["']?\s*[:=]\s*)(?P<value>"(?:[^"\\]|\\.)*"?|[^,&;<\s}\]]+)"""
)
MAX_PARSED_BODY = 1024 * 1024


def normalize_field(name: str) -> str:
    """`cardNumber`, `card_number` and `Card-Number` are the same field."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return REDACTED if _luhn(digits) else match.group(0)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Redactor:
    """Thread-safe: scenarios on several threads add the sensitive values they capture."""

    def __init__(self, sensitive_fields: Iterable[str] = (), secret_values: Iterable[str] = ()) -> None:
        self._fields = DEFAULT_SENSITIVE_FIELDS | {normalize_field(f) for f in sensitive_fields}
        self._lock = threading.Lock()
        self._values: list[str] = []
        for value in secret_values:
            self.add_value(value)

    def is_sensitive_field(self, name: str) -> bool:
        return normalize_field(name) in self._fields

    def add_value(self, value: JsonValue) -> None:
        """Treat `value` as a secret from now on (e.g. a captured login token)."""
        text = value if isinstance(value, str) else json.dumps(value)
        if len(text) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if text not in self._values:
                self._values.append(text)
                # Longest first, so that a secret containing another is replaced whole.
                self._values.sort(key=len, reverse=True)

    def text(self, text: str) -> str:
        with self._lock:
            values = list(self._values)
        for value in values:
            text = text.replace(value, REDACTED)
        return _CARD_LIKE.sub(_mask_card, text)

    def _mask_field(self, match: re.Match[str]) -> str:
        key = match.group("key").split(":")[0].split("=")[0]
        if self.is_sensitive_field(key):
            return match.group("key") + REDACTED
        return match.group(0)

    def free_text(self, text: str) -> str:
        """Text that may hold fields without being valid JSON (a truncated body, a form, a log)."""
        return self.text(_KEY_VALUE.sub(self._mask_field, text))

    def json(self, value: JsonValue) -> JsonValue:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {
                key: REDACTED if self.is_sensitive_field(key) else self.json(item)
                for key, item in value.items()
            }
        return value

    def show(self, value: JsonValue, limit: int) -> str:
        """A JSON value as short, redacted text for a report."""
        return truncate(json.dumps(self.json(value), separators=(",", ":"), ensure_ascii=False), limit)

    def excerpt(self, body: bytes, limit: int) -> str:
        """A response body as short, redacted text: JSON is redacted by field, anything else as text."""
        text = body[:MAX_PARSED_BODY].decode("utf-8", errors="replace")
        try:
            document: JsonValue = json.loads(text)
        except ValueError:
            return truncate(self.free_text(text), limit)
        return self.show(document, limit)
