"""Slack's interactivity requests over HTTP (a Lambda Function URL with AuthType NONE).

Before any domain code runs: decode the body, verify Slack's signature, refuse a replay, decode the
form. Every malformed request is answered 400 or 401 here; nothing raises.

Slack's signature ("Verifying requests from Slack"): `X-Slack-Signature: v0=<hex>` where hex is
HMAC-SHA256, keyed with the app's signing secret, of `v0:<X-Slack-Request-Timestamp>:<raw body>`.
A timestamp more than five minutes from now is refused. The signing secret:
- both the current and the previous value (Secrets Manager stages AWSCURRENT and AWSPREVIOUS)
  verify for `overlap_seconds` after the current one was created, so the secret can change in
  Slack and in Secrets Manager in either order;
- it is re-read when a signature fails (at most once per `refresh_on_failure_seconds`) and at least
  every `max_age_seconds`, so a warm container neither keeps a rotated-out secret nor refuses the
  new one for long.
A signed request is accepted once: its signature is written with a conditional put (and a TTL)
and a second arrival is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from bluegreen.adapters.function_url import HttpResponse, request_body

logger = logging.getLogger(__name__)

REPLAY_WINDOW_SECONDS = 300
"""Slack's own advice: refuse requests whose timestamp is more than five minutes from now."""
MAX_BODY_BYTES = 64 * 1024
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")  # ASCII digits only: str.isdigit accepts superscripts too


def unauthorized(why: str) -> HttpResponse:
    logger.warning("slack request refused: %s", why)
    return HttpResponse(401, {"error": why})


def bad_request(why: str) -> HttpResponse:
    logger.warning("slack request refused: %s", why)
    return HttpResponse(400, {"error": why})


@dataclass(frozen=True)
class SigningSecrets:
    current: str
    previous: str | None = None
    current_since: datetime | None = None
    """When the current value was created (its version's CreatedDate)."""

    def __repr__(self) -> str:  # never the values
        return f"SigningSecrets(previous={'yes' if self.previous else 'no'}, since={self.current_since})"

    def accepted(self, now: datetime, overlap_seconds: int) -> list[str]:
        values = [self.current]
        in_overlap = self.current_since is None or now - self.current_since < timedelta(
            seconds=overlap_seconds
        )
        if self.previous and self.previous != self.current and in_overlap:
            values.append(self.previous)
        return values


def secrets_manager_signing_secrets(client: Any, secret_id: str) -> Callable[[], SigningSecrets]:
    """Reads AWSCURRENT (with its CreatedDate) and AWSPREVIOUS, if there is one."""

    def read() -> SigningSecrets:
        current = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
        try:
            previous = client.get_secret_value(SecretId=secret_id, VersionStage="AWSPREVIOUS")
        except client.exceptions.ResourceNotFoundException:
            previous = None
        since = current.get("CreatedDate")
        return SigningSecrets(
            current=str(current["SecretString"]),
            previous=str(previous["SecretString"]) if previous else None,
            current_since=since if isinstance(since, datetime) else None,
        )

    return read


@dataclass
class SignatureVerifier:
    """Slack's signature check with a cached, refreshing pair of secrets. One per container."""

    secrets: Callable[[], SigningSecrets]
    overlap_seconds: int = 3600
    clock: Callable[[], float] = time.time
    max_age_seconds: float = 300.0
    refresh_on_failure_seconds: float = 30.0
    _cached: SigningSecrets | None = field(default=None, init=False, repr=False)
    _read_at: float = field(default=float("-inf"), init=False, repr=False)

    def __repr__(self) -> str:  # never the secret
        return "SignatureVerifier()"

    def problem(self, body: bytes, headers: Mapping[str, str]) -> str | None:
        """None when the request is Slack's and fresh; else why not."""
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        timestamp = lowered.get("x-slack-request-timestamp", "").strip()
        signature = lowered.get("x-slack-signature", "").strip()
        if not _TIMESTAMP.fullmatch(timestamp):
            return "missing or malformed X-Slack-Request-Timestamp"
        if not _SIGNATURE.fullmatch(signature):
            return "missing or malformed X-Slack-Signature"
        now = self.clock()
        if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
            return "request timestamp is more than five minutes from now"
        base = b"v0:" + timestamp.encode("ascii") + b":" + body
        if self._matches(base, signature, self._secrets(now, refresh=False), now):
            return None
        may_refresh = now - self._read_at >= self.refresh_on_failure_seconds
        if may_refresh and self._matches(base, signature, self._secrets(now, refresh=True), now):
            return None
        return "invalid signature"

    def _secrets(self, now: float, *, refresh: bool) -> SigningSecrets:
        if refresh or self._cached is None or now - self._read_at >= self.max_age_seconds:
            self._cached = self.secrets()
            self._read_at = now
        return self._cached

    def _matches(self, base: bytes, signature: str, secrets: SigningSecrets, now: float) -> bool:
        moment = datetime.fromtimestamp(now, UTC)
        for secret in secrets.accepted(moment, self.overlap_seconds):
            expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
                return True
        return False


def interaction_payload(body: bytes) -> dict[str, Any] | HttpResponse:
    """The JSON object in the form field `payload`, or the 400 that says why there is none."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return bad_request("the body is not UTF-8")
    try:
        fields = parse_qs(text, strict_parsing=True, errors="strict", max_num_fields=20)
    except (ValueError, UnicodeDecodeError):
        return bad_request("the body is not a form")
    values = fields.get("payload") or []
    if len(values) != 1:
        return bad_request("expected exactly one payload field")
    try:
        payload = json.loads(values[0])
    except ValueError:
        return bad_request("the payload is not JSON")
    if not isinstance(payload, dict):
        return bad_request("the payload is not a JSON object")
    return payload


@dataclass
class SlackEndpoint:
    """Verify, refuse replays, decode: what reaches the domain is a payload Slack signed, once."""

    verifier: SignatureVerifier
    seen_once: Callable[[str, int], bool]
    """(signature, timestamp) -> True the first time; a conditional write with a TTL."""

    def receive(self, event: Mapping[str, Any]) -> dict[str, Any] | HttpResponse:
        headers = event.get("headers")
        if not isinstance(headers, Mapping):
            return unauthorized("no headers")
        body = request_body(event)
        if body is None:
            return bad_request("the body cannot be decoded")
        if len(body) > MAX_BODY_BYTES:
            return bad_request("the body is too large")
        problem = self.verifier.problem(body, headers)
        if problem is not None:
            return unauthorized(problem)
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        signature = lowered["x-slack-signature"].strip()
        if not self.seen_once(signature, int(lowered["x-slack-request-timestamp"].strip())):
            return unauthorized("replayed request: this signature was already used")
        return interaction_payload(body)
