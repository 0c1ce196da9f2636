"""The local stand-ins behave as the services they replace would: card payments as processors'
sandboxes answer them (idempotency keys honoured), sessions and profiles, each service under its
configured path, and the faults of a bad release."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bluegreen.local.stand_in.api import Faults, ServiceStandIn, StandInApi, StandInSpec, StandInUser
from bluegreen.local.stand_in.cards import brand_of, check_card, luhn_valid
from bluegreen.local.stand_in.payments import CardPayments

TODAY = date(2026, 12, 1)
MASTERCARD, MASTERCARD_2_SERIES, VISA = "5555555555554444", "2223003122003222", "4111111111111111"


def card(number: str, expiry: str = "12/30", cvc: str = "737") -> dict[str, str]:
    return {"card_number": number, "expiry": expiry, "cvc": cvc}


def payment(number: str, value: str = "1.00", **card_fields: str) -> dict[str, Any]:
    return {"amount": {"value": value, "currency": "EUR"}, "card": card(number, **card_fields)}


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        (MASTERCARD, "mastercard"),
        (MASTERCARD_2_SERIES, "mastercard"),
        (VISA, "visa"),
        ("378282246310005", None),
    ],
)
def test_the_brand_comes_from_the_leading_digits(number: str, brand: str | None) -> None:
    assert luhn_valid(number)
    assert brand_of(number) == brand


@pytest.mark.parametrize(
    ("card_data", "error", "decline"),
    [
        (card("4111111111111112"), "invalid_card_number", None),  # Luhn fails
        (card("378282246310005"), "unsupported_card", None),  # American Express
        (card(VISA, cvc="7"), "invalid_cvc", None),
        (card(VISA, expiry="13/30"), "invalid_expiry", None),
        (card(VISA, expiry="11/26"), None, "expired_card"),
        (card("4000000000000002"), None, "card_declined"),
        (card("4000000000009995"), None, "insufficient_funds"),
        (card(VISA, expiry="12/26"), None, None),  # valid through the end of its month
    ],
)
def test_cards_are_checked_as_a_processor_would(
    card_data: dict[str, str], error: str | None, decline: str | None
) -> None:
    check = check_card(card_data, TODAY)
    assert (check.error, check.decline) == (error, decline)


def test_the_same_idempotency_key_and_request_replays_the_first_answer_without_a_second_charge() -> None:
    payments = CardPayments(TODAY)
    first = payments.pay("u-1", payment(VISA), "key-1")
    again = payments.pay("u-1", payment(VISA), "key-1")
    assert first.status == again.status == 201
    assert again.body["payment_id"] == first.body["payment_id"]
    assert again.replayed
    assert not first.replayed
    assert len(payments.charges) == 1


def test_the_same_key_with_another_request_is_refused() -> None:
    payments = CardPayments(TODAY)
    payments.pay("u-1", payment(VISA), "key-1")
    other = payments.pay("u-1", payment(VISA, value="2.00"), "key-1")
    assert other.status == 422
    assert other.body["error"]["code"] == "idempotency_key_reused"
    assert len(payments.charges) == 1


def test_keys_are_scoped_to_the_caller_and_requests_without_a_key_each_charge() -> None:
    payments = CardPayments(TODAY)
    mine = payments.pay("u-1", payment(VISA), "key-1")
    theirs = payments.pay("u-2", payment(VISA), "key-1")
    assert mine.body["payment_id"] != theirs.body["payment_id"]
    payments.pay("u-1", payment(VISA), None)
    payments.pay("u-1", payment(VISA), None)
    assert len(payments.charges) == 4


def test_a_declined_card_answers_402_and_replays_its_decline() -> None:
    payments = CardPayments(TODAY)
    declined = payments.pay("u-1", payment("4000000000000002"), "key-d")
    assert declined.status == 402
    assert declined.body["status"] == "DECLINED"
    assert declined.body["processor"] == "visa"
    assert declined.body["error"]["code"] == "card_declined"
    assert payments.pay("u-1", payment("4000000000000002"), "key-d").body == declined.body
    assert payments.charges == []


@pytest.mark.parametrize("value", ["0.00", "-1", "1.005", "one"])
def test_a_bad_amount_is_refused(value: str) -> None:
    answer = CardPayments(TODAY).pay("u-1", payment(VISA, value=value), None)
    assert answer.status == 422
    assert answer.body["error"]["code"] == "invalid_amount"


# -- the API, service by service ------------------------------------------------------------------

USER = StandInUser("cus_1", "smoke@billpay.example", "s3cret", email="smoke@billpay.example")
SPEC = StandInSpec(
    color="blue",
    services=(
        ServiceStandIn("accounts", "/accounts", "/accounts/healthz", "sessions"),
        ServiceStandIn("customers", "/customers", "/customers/healthz", "profiles"),
        ServiceStandIn("checkout", "/pay", "/pay/healthz", "payments"),
        ServiceStandIn("ledger", "/ledger", "/ledger/healthz"),
    ),
    users=(USER,),
    versions={"accounts": "v2", "customers": "v2", "checkout": "v2"},
)


def call(api: StandInApi, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    raw = json.dumps(body).encode() if body is not None else b""
    reply = api.handle(method, path, {k.lower().replace("_", "-"): v for k, v in headers.items()}, raw)
    return reply.status, json.loads(reply.body())


def login(api: StandInApi) -> str:
    status, body = call(api, "POST", "/accounts/v2/tokens", {"username": USER.username, "password": "s3cret"})
    assert status == 200
    return f"Bearer {body['access_token']}"


def test_each_service_answers_its_health_path_with_its_version_and_colour() -> None:
    api = StandInApi(SPEC, TODAY)
    assert call(api, "GET", "/pay/healthz") == (
        200,
        {"status": "ok", "service": "checkout", "version": "v2", "color": "blue"},
    )
    # a service with no pods in this colour answers as an ingress with no endpoints would
    assert call(api, "GET", "/ledger/healthz")[0] == 503
    # a path no service owns is not found, and `/payments` is not under `/pay`
    assert call(api, "GET", "/payments/healthz")[0] == 404


def test_a_session_opens_the_profile_of_its_user_only() -> None:
    api = StandInApi(SPEC, TODAY)
    assert call(api, "POST", "/accounts/v2/tokens", {"username": USER.username, "password": "no"})[0] == 401
    token = login(api)
    assert call(api, "GET", "/customers/v1/customers/cus_1")[0] == 401
    status, profile = call(api, "GET", "/customers/v1/customers/cus_1", authorization=token)
    assert (status, profile["user_id"], profile["email"]) == (200, "cus_1", USER.email)
    assert call(api, "GET", "/customers/v1/customers/cus_2", authorization=token)[0] == 403


def test_payments_need_a_session_and_honour_idempotency_keys_through_the_api() -> None:
    api = StandInApi(SPEC, TODAY)
    assert call(api, "POST", "/pay/v2/charges", payment(VISA))[0] == 401
    token = login(api)
    first = api.handle(
        "POST",
        "/pay/v2/charges",
        {"authorization": token, "idempotency-key": "k"},
        json.dumps(payment(MASTERCARD)).encode(),
    )
    again = api.handle(
        "POST",
        "/pay/v2/charges",
        {"authorization": token, "idempotency-key": "k"},
        json.dumps(payment(MASTERCARD)).encode(),
    )
    assert first.status == again.status == 201
    assert first.payload["processor"] == "mastercard"
    assert again.payload["payment_id"] == first.payload["payment_id"]
    assert again.headers == {"Idempotent-Replayed": "true"}


def test_a_bad_release_that_declines_visa_still_pays_by_mastercard() -> None:
    spec = StandInSpec(SPEC.color, SPEC.services, SPEC.users, SPEC.versions, Faults(declined_brands={"visa"}))
    api = StandInApi(spec, TODAY)
    token = login(api)
    visa = call(api, "POST", "/pay/v2/charges", payment(VISA), authorization=token)
    mastercard = call(api, "POST", "/pay/v2/charges", payment(MASTERCARD), authorization=token)
    assert (visa[0], visa[1]["error"]["code"]) == (402, "card_declined")
    assert mastercard[0] == 201


def test_the_spec_survives_its_trip_to_a_pods_process() -> None:
    spec = StandInSpec(SPEC.color, SPEC.services, SPEC.users, SPEC.versions, Faults(declined_brands={"visa"}))
    assert StandInSpec.from_json(spec.to_json()) == spec
