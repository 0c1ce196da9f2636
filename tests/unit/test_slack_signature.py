"""Slack's interactivity endpoint before any domain code: only a correctly signed, fresh, first-seen
request is looked at; every forged, replayed, rotated-out or malformed request gets 401/400."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from bluegreen.adapters.function_url import HttpResponse
from bluegreen.adapters.slack_http import (
    REPLAY_WINDOW_SECONDS,
    SignatureVerifier,
    SigningSecrets,
    SlackEndpoint,
)
from tests.integration.slack_world import SIGNING_SECRET, sign, url_event

PAYLOAD = {"type": "shortcut", "user": {"id": "U1"}}
BODY = urlencode({"payload": json.dumps(PAYLOAD)})


class Clock:
    def __init__(self, now: float | None = None) -> None:
        self.now = now if now is not None else time.time()

    def __call__(self) -> float:
        return self.now


class Secrets:
    """A signing-secret source that counts its reads (Secrets Manager in production)."""

    def __init__(self, current: str = SIGNING_SECRET) -> None:
        self.value = SigningSecrets(current)
        self.reads = 0

    def __call__(self) -> SigningSecrets:
        self.reads += 1
        return self.value


def endpoint(
    secrets: Secrets | None = None, clock: Clock | None = None, overlap: int = 3600
) -> tuple[SlackEndpoint, set[str]]:
    seen: set[str] = set()

    def once(signature: str, timestamp: int) -> bool:
        if signature in seen:
            return False
        seen.add(signature)
        return True

    verifier = SignatureVerifier(secrets or Secrets(), overlap_seconds=overlap, clock=clock or Clock())
    return SlackEndpoint(verifier, once), seen


def receive(event: dict[str, Any], ep: SlackEndpoint | None = None) -> dict[str, Any] | HttpResponse:
    return (ep or endpoint()[0]).receive(event)


def status(result: dict[str, Any] | HttpResponse) -> int:
    return result.status if isinstance(result, HttpResponse) else 200


def test_a_signed_fresh_request_reaches_the_domain_as_its_payload() -> None:
    assert receive(url_event(BODY, sign(BODY))) == PAYLOAD
    assert receive(url_event(BODY, sign(BODY), base64_body=False)) == PAYLOAD


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(sign(BODY, secret="another-secret"), id="wrong secret"),
        pytest.param({**sign(BODY), "X-Slack-Signature": "v0=" + "0" * 64}, id="forged digest"),
        pytest.param(sign(BODY + "&x=1"), id="body changed after signing"),
        pytest.param({}, id="missing headers"),
        pytest.param({"X-Slack-Request-Timestamp": str(int(time.time()))}, id="missing signature"),
        pytest.param({"X-Slack-Signature": sign(BODY)["X-Slack-Signature"]}, id="missing timestamp"),
        pytest.param(sign(BODY, timestamp="yesterday"), id="timestamp not a number"),
        pytest.param({**sign(BODY), "X-Slack-Signature": "v0=" + "é" * 64}, id="non-ASCII signature"),
        pytest.param({**sign(BODY), "X-Slack-Signature": "v1=" + "0" * 64}, id="unknown signature version"),
        pytest.param(
            sign(BODY, timestamp="\uff11\uff17\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10"),
            id="full-width digits in the timestamp",
        ),
        pytest.param(sign(BODY, timestamp="²³"), id="superscript digits in the timestamp"),
        pytest.param(sign(BODY, timestamp="9" * 40), id="absurdly long timestamp"),
        pytest.param(sign(BODY, timestamp="-1"), id="negative timestamp"),
    ],
)
def test_forged_missing_or_malformed_signatures_get_401(headers: dict[str, str]) -> None:
    assert status(receive(url_event(BODY, headers))) == 401


def signed_bytes_event(raw: bytes) -> dict[str, Any]:
    """A request whose raw bytes are correctly signed, as Slack would if it sent them."""
    ts = str(int(time.time()))
    import hashlib
    import hmac

    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {
        "headers": {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"},
        "body": base64.b64encode(raw).decode(),
        "isBase64Encoded": True,
    }


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"payload=%7B%7D\xff\xfe", "not UTF-8"),
        (b"payload=not-json", "not JSON"),
        (urlencode({"payload": "[1, 2]"}).encode(), "not a JSON object"),
        (b"nothing=here", "exactly one payload"),
        (urlencode([("payload", "{}"), ("payload", "{}")]).encode(), "exactly one payload"),
        (b"%%%", "not a form"),
    ],
)
def test_signed_but_malformed_bodies_get_400(raw: bytes, why: str) -> None:
    result = receive(signed_bytes_event(raw))
    assert isinstance(result, HttpResponse)
    assert result.status == 400
    assert why in str(result.body)


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(
            {"headers": sign(BODY), "body": "%%%not base64", "isBase64Encoded": True}, id="bad base64"
        ),
        pytest.param({"headers": sign(BODY), "body": 42}, id="body not a string"),
        pytest.param({"headers": sign(BODY), "body": "x" * 70_000}, id="body too large"),
        pytest.param({"headers": "x-slack-signature: v0=00", "body": BODY}, id="headers not a mapping"),
        pytest.param({"headers": sign(BODY), "body": "\ud800payload"}, id="lone surrogate in the body"),
    ],
)
def test_events_that_cannot_hold_a_slack_request_get_400_or_401(event: dict[str, Any]) -> None:
    assert status(receive(event)) in (400, 401)


def test_a_replayed_request_is_refused_even_inside_the_five_minutes() -> None:
    ep, seen = endpoint()
    event = url_event(BODY, sign(BODY))
    assert receive(event, ep) == PAYLOAD
    replay = receive(event, ep)
    assert isinstance(replay, HttpResponse)
    assert replay.status == 401
    assert "replayed" in str(replay.body)
    assert len(seen) == 1


def test_a_request_older_than_five_minutes_is_refused() -> None:
    signed_at = time.time() - REPLAY_WINDOW_SECONDS - 60
    event = url_event(BODY, sign(BODY, timestamp=str(int(signed_at))))
    assert status(receive(event)) == 401
    assert receive(event, endpoint(clock=Clock(signed_at + 10))[0]) == PAYLOAD


def test_header_names_are_case_insensitive_as_function_urls_lower_them() -> None:
    headers = {k.upper(): v for k, v in sign(BODY).items()}
    assert receive(url_event(BODY, headers)) == PAYLOAD


def test_a_new_signing_secret_is_read_on_the_first_failure_and_not_more_often() -> None:
    # Given a warm container that read the secret before it was rotated
    secrets, clock = Secrets("old-secret"), Clock()
    ep, _ = endpoint(secrets, clock)
    assert receive(url_event(BODY, sign(BODY, secret="old-secret")), ep) == PAYLOAD
    clock.now += 60
    secrets.value = SigningSecrets("new-secret", previous="old-secret", current_since=datetime.now(UTC))
    # When Slack signs with the new secret, the container re-reads it and accepts the request
    assert receive(url_event(BODY, sign(BODY, secret="new-secret")), ep) == PAYLOAD
    assert secrets.reads == 2
    # And a flood of forged requests does not read Secrets Manager for each of them
    for _ in range(50):
        assert status(receive(url_event(BODY, sign(BODY, secret="forged")), ep)) == 401
    assert secrets.reads == 2
    clock.now += 31
    assert status(receive(url_event(BODY, sign(BODY, secret="forged")), ep)) == 401
    assert secrets.reads == 3


def test_the_previous_secret_is_accepted_only_during_the_overlap() -> None:
    rotated_at = time.time()
    secrets = Secrets()
    secrets.value = SigningSecrets(
        "new-secret", previous="old-secret", current_since=datetime.fromtimestamp(rotated_at, UTC)
    )
    clock = Clock(rotated_at + 600)
    ep, _ = endpoint(secrets, clock, overlap=3600)
    old = url_event(BODY, sign(BODY, secret="old-secret", timestamp=str(int(clock.now))))
    assert receive(old, ep) == PAYLOAD
    clock.now = rotated_at + 3600 + 1
    late = url_event(BODY, sign(BODY, secret="old-secret", timestamp=str(int(clock.now))))
    assert status(receive(late, ep)) == 401
    new = url_event(BODY, sign(BODY, secret="new-secret", timestamp=str(int(clock.now))))
    assert receive(new, ep) == PAYLOAD


def test_a_warm_container_stops_accepting_a_rotated_out_secret() -> None:
    # Given a container whose cached secret was rotated out long ago (the overlap is over)
    secrets, clock = Secrets("old-secret"), Clock()
    ep, _ = endpoint(secrets, clock, overlap=60)
    assert receive(url_event(BODY, sign(BODY, secret="old-secret")), ep) == PAYLOAD
    secrets.value = SigningSecrets(
        "new-secret", previous="old-secret", current_since=datetime.fromtimestamp(clock.now - 3600, UTC)
    )
    # Then, once the cache is older than its maximum age, the old secret no longer verifies
    clock.now += 301
    forged = url_event(BODY, sign(BODY, secret="old-secret", timestamp=str(int(clock.now))))
    assert status(receive(forged, ep)) == 401


def test_secrets_never_in_repr() -> None:
    verifier = SignatureVerifier(Secrets())
    assert SIGNING_SECRET not in repr(verifier)
    assert "old" not in repr(SigningSecrets("new", previous="old"))
