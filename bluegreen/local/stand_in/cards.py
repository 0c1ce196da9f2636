"""Payment cards as the operators' test environments treat them.

The brand comes from the number's leading digits (Visa 4; Mastercard 51-55 and 2221-2720), every
number must pass the Luhn check, and a few well-known test numbers decline the way processors'
sandboxes document (generic decline, insufficient funds, expired card).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

VISA = "visa"
MASTERCARD = "mastercard"

# Test numbers that processors' sandboxes decline, and the decline code they answer with.
DECLINING_TEST_CARDS: dict[str, str] = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
}
DECLINE_MESSAGES: dict[str, str] = {
    "card_declined": "Do not honor",
    "insufficient_funds": "Insufficient funds",
    "expired_card": "Expired card",
}
EXPIRY = re.compile(r"^(?P<month>0[1-9]|1[0-2])/(?P<year>\d{2})$")


def luhn_valid(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str | None:
    """The card network, from the issuer identification number; None for any other network."""
    if number.startswith("4"):
        return VISA
    if number[:2].isdigit() and 51 <= int(number[:2]) <= 55:
        return MASTERCARD
    if number[:4].isdigit() and 2221 <= int(number[:4]) <= 2720:
        return MASTERCARD
    return None


def expired(expiry: str, today: date) -> bool | None:
    """True once the card's expiry month is over; None for a malformed `MM/YY`."""
    match = EXPIRY.match(expiry)
    if match is None:
        return None
    year, month = 2000 + int(match["year"]), int(match["month"])
    return (year, month) < (today.year, today.month)


@dataclass(frozen=True)
class CardCheck:
    """What a processor decides about a card before any money moves."""

    brand: str | None = None
    error: str | None = None  # a request the processor refuses (422): invalid_card_number, ...
    decline: str | None = None  # a valid card it declines (402): card_declined, ...


def check_card(card: object, today: date, declined_brands: frozenset[str] = frozenset()) -> CardCheck:
    if not isinstance(card, dict):
        return CardCheck(error="card_required")
    number = str(card.get("card_number", ""))
    if not (12 <= len(number) <= 19) or not luhn_valid(number):
        return CardCheck(error="invalid_card_number")
    brand = brand_of(number)
    if brand is None:
        return CardCheck(error="unsupported_card")
    if not re.fullmatch(r"\d{3,4}", str(card.get("cvc", ""))):
        return CardCheck(brand, error="invalid_cvc")
    is_expired = expired(str(card.get("expiry", "")), today)
    if is_expired is None:
        return CardCheck(brand, error="invalid_expiry")
    if is_expired:
        return CardCheck(brand, decline="expired_card")
    if number in DECLINING_TEST_CARDS:
        return CardCheck(brand, decline=DECLINING_TEST_CARDS[number])
    if brand in declined_brands:
        return CardCheck(brand, decline="card_declined")
    return CardCheck(brand)
