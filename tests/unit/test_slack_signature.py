"""Slack request signatures: only a correctly signed, fresh request is looked at."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import Clock

from bluegreen.release.slack_interaction import REPLAY_WINDOW_SECONDS, SlackInteractions
from bluegreen.runtime import Runtime
from tests.integration.slack_world import SIGNING_SECRET, sign

BODY = urlencode({"payload": json.dumps({"type": "shortcut", "user": {"id": "U1"}})})


class FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def interactions(now: float | None = None) -> SlackInteractions:
    return SlackInteractions(signing_secret=lambda: SIGNING_SECRET, clock=FixedClock(now or time.time()))


# A runtime that fails the test if anything past the signature check touches it.
UNTOUCHABLE = cast(Runtime, object())
READY = cast(Runtime, SimpleNamespace(slack=object()))


def test_valid_signature_is_accepted() -> None:
    assert interactions().handle(BODY, sign(BODY), READY).status == 200


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
    ],
)
def test_invalid_or_missing_signature_is_refused(headers: dict[str, str]) -> None:
    response = interactions().handle(BODY, headers, UNTOUCHABLE)
    assert response.status == 401


def test_replayed_request_older_than_five_minutes_is_refused() -> None:
    # Given a request signed correctly six minutes ago
    signed_at = time.time() - REPLAY_WINDOW_SECONDS - 60
    headers = sign(BODY, timestamp=str(int(signed_at)))
    # Then it is refused now, and would have been accepted when it was sent
    assert interactions().handle(BODY, headers, UNTOUCHABLE).status == 401
    assert interactions(now=signed_at + 10).handle(BODY, headers, READY).status == 200


def test_header_names_are_case_insensitive_as_function_urls_lower_them() -> None:
    headers: dict[str, Any] = {k.lower(): v for k, v in sign(BODY).items()}
    assert interactions().handle(BODY, headers, READY).status == 200


def test_signing_secret_never_in_repr() -> None:
    assert SIGNING_SECRET not in repr(interactions())
