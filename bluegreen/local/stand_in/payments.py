"""Card payments as a payment service in front of the operators answers them.

201 PAID (with the card network as `processor`), 402 DECLINED for a card the processor declines,
422 for a request it refuses. An `Idempotency-Key` is honoured as payment APIs do: the same key with
the same request replays the first answer (no second charge), the same key with another request is
refused. Keys are scoped to the caller, so two users' keys never collide.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bluegreen.local.stand_in.cards import DECLINE_MESSAGES, check_card

AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class PaymentAnswer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def _fingerprint(request: Any) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def _refused(code: str, message: str) -> PaymentAnswer:
    return PaymentAnswer(422, {"status": "REFUSED", "error": {"code": code, "message": message}})


def _amount_problem(amount: Any) -> str | None:
    if not isinstance(amount, dict):
        return "amount must be {value, currency}"
    value = str(amount.get("value", ""))
    if not AMOUNT.match(value):
        return "amount.value must be a decimal string such as 1.00"
    try:
        if Decimal(value) <= 0:
            return "amount.value must be positive"
    except InvalidOperation:
        return "amount.value must be a decimal string such as 1.00"
    if not CURRENCY.match(str(amount.get("currency", ""))):
        return "amount.currency must be an ISO 4217 code such as EUR"
    return None


class CardPayments:
    """Thread-safe: a pods process answers requests on many threads."""

    def __init__(self, today: date | None = None) -> None:
        self._today = today
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str], tuple[str, PaymentAnswer]] = {}
        self.charges: list[dict[str, Any]] = []
        """Every payment that went through (a replay adds none): what a ledger would hold."""

    def pay(
        self,
        owner: str,
        request: Any,
        idempotency_key: str | None,
        declined_brands: frozenset[str] = frozenset(),
    ) -> PaymentAnswer:
        fingerprint = _fingerprint(request)
        with self._lock:
            if idempotency_key:
                previous = self._answers.get((owner, idempotency_key))
                if previous is not None:
                    seen, answer = previous
                    if seen != fingerprint:
                        return _refused(
                            "idempotency_key_reused",
                            "this Idempotency-Key was used with a different request",
                        )
                    return PaymentAnswer(answer.status, answer.body, replayed=True)
            answer = self._decide(request, declined_brands)
            if idempotency_key:
                self._answers[(owner, idempotency_key)] = (fingerprint, answer)
            if answer.status == 201:
                self.charges.append(answer.body)
            return answer

    def _decide(self, request: Any, declined_brands: frozenset[str]) -> PaymentAnswer:
        if not isinstance(request, dict):
            return _refused("invalid_request", "a JSON object is required")
        problem = _amount_problem(request.get("amount"))
        if problem:
            return _refused("invalid_amount", problem)
        card = request.get("card")
        check = check_card(card, self._today or date.today(), declined_brands)
        if check.error:
            return _refused(check.error, f"the card was refused: {check.error}")
        number = str(card.get("card_number", "")) if isinstance(card, dict) else ""
        if check.decline:
            # Echoes the card like some processors do: a smoke report must redact it.
            return PaymentAnswer(
                402,
                {
                    "status": "DECLINED",
                    "processor": check.brand,
                    "error": {"code": check.decline, "message": DECLINE_MESSAGES[check.decline]},
                    "card": {"card_number": number},
                },
            )
        return PaymentAnswer(
            201,
            {
                "status": "PAID",
                "payment_id": "pay_" + secrets.token_hex(8),
                "processor": check.brand,
                "amount": request.get("amount"),
                "card": {"last4": number[-4:]},
            },
        )
