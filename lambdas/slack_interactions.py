"""SlackInteractions (Lambda Function URL, auth NONE: Slack signs its requests, verified first).

The HTTP layer (`adapters.slack_http`) verifies the signature (current and, during a rotation,
previous signing secret), refuses replays and malformed requests with 401/400; the payload then goes
through `SlackInteractions`, which decides through `approval.decide` and answers the person.
Neither the request body nor the headers are logged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from bluegreen.adapters.function_url import HttpResponse
from bluegreen.adapters.slack_http import (
    REPLAY_WINDOW_SECONDS,
    SignatureVerifier,
    SlackEndpoint,
    secrets_manager_signing_secrets,
)
from bluegreen.lambda_support import RuntimeHolder, logger
from bluegreen.release.slack_interaction import SlackInteractions
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()
_verifier: SignatureVerifier | None = None


def replay_guard(rt: Runtime) -> Callable[[str, int], bool]:
    """A signature is accepted once: a conditional write that expires after the replay window."""

    def seen_once(signature: str, timestamp: int) -> bool:
        expires = datetime.fromtimestamp(timestamp + 2 * REPLAY_WINDOW_SECONDS, UTC)
        return rt.releases.put_once(f"SLACKREQ#{signature}", {"kind": "slack request"}, expires)

    return seen_once


def _verifier_from_environment(rt: Runtime) -> SignatureVerifier:
    from bluegreen.adapters.aws import client

    approvals = rt.config.approvals
    if approvals.slack_signing_secret_secret is None:
        raise ValueError("approvals.slack_signing_secret_secret is not configured")
    return SignatureVerifier(
        secrets_manager_signing_secrets(client("secretsmanager"), approvals.slack_signing_secret_secret),
        overlap_seconds=approvals.slack_signing_secret_overlap_seconds,
    )


@logger.inject_lambda_context(log_event=False)
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    rt: Runtime | None = None,
    verifier: SignatureVerifier | None = None,
) -> dict[str, Any]:
    global _verifier
    runtime_ = runtime.get(rt)
    if verifier is None:
        _verifier = _verifier or _verifier_from_environment(runtime_)
        verifier = _verifier
    received = SlackEndpoint(verifier, replay_guard(runtime_)).receive(event)
    if isinstance(received, HttpResponse):
        return received.as_lambda()
    return SlackInteractions().handle(received, runtime_).as_lambda()
