"""What a request that got no answer means for the smoke suite: retry it, or say why not.

A request that may have reached the server (a read timeout, a dropped connection) is retried only
for idempotent methods: a POST that pays a bill is never sent twice. TLS failures are never retried.
"""

from __future__ import annotations

import ssl

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _cause_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def classify(exc: httpx.HTTPError, method: str) -> tuple[bool, str]:
    """(worth retrying, what happened in words) for an error that left no response."""
    chain = _cause_chain(exc)
    verify = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if verify is not None or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        detail = verify.verify_message if verify is not None else str(exc)
        return False, f"TLS certificate verification failed: {detail}"
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        return False, f"TLS handshake failed: {tls.reason or tls}"
    may_have_arrived = isinstance(
        exc, httpx.ReadTimeout | httpx.WriteTimeout | httpx.ReadError | httpx.WriteError
    )
    may_have_arrived = may_have_arrived or isinstance(exc, httpx.RemoteProtocolError)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return True, "could not connect in time"
    if isinstance(exc, httpx.ConnectError):
        return True, f"could not connect: {exc}"
    if may_have_arrived:
        what = (
            "no response in time" if isinstance(exc, httpx.TimeoutException) else f"connection broken: {exc}"
        )
        if method in IDEMPOTENT_METHODS:
            return True, what
        return False, f"{what} (a {method} is not retried: it may have taken effect)"
    return False, f"{type(exc).__name__}: {exc}"
