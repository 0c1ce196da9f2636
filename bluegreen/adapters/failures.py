"""The one place that says whether a failed AWS or Kubernetes call is worth retrying.

Every release step runs under `classified_failures()` (bluegreen/lambda_support.py): an exception
from boto3, botocore, the kubernetes client or the network leaves the step as `TransientError`
(the workflow's Retry matches exactly that name, with backoff and jitter) or `DependencyError`
(caught, never retried: a retry cannot fix access denied or not found). The decision is made from
the error code and the HTTP status, never from the exception's class name: boto3 raises modelled
errors under their own names (`ThrottlingException`, `ProvisionedThroughputExceededException`,
`TooManyUpdates`, ...), all of them ClientErrors.

The codes are botocore's own lists of retryable errors (its standard retry mode), plus the few
service-specific ones that mean "try again" for the calls a release makes.
"""

from __future__ import annotations

import http.client
import socket
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from bluegreen.errors import BlueGreenError, DependencyError, DependencyFailure, TransientError

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
"""botocore's ThrottledRetryableChecker codes (a unit test keeps the two in step)."""

TRANSIENT_CODES = frozenset(
    {
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        # Service faults that AWS documents as "retry the request":
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ServiceException",
        # SSM PutParameter: "There are concurrent updates for the resource that you are trying to update."
        "TooManyUpdates",
        # DynamoDB: a transaction or an item collection busy for a moment.
        "TransactionConflictException",
    }
)
TRANSIENT_HTTP_STATUSES = frozenset({429, 500, 502, 503, 504})
"""AWS: botocore's transient and throttling statuses. Kubernetes: 429 (rate limited, API priority and
fairness) and the apiserver's or a proxy's 5xx. 409 is transient for Kubernetes only (below)."""

KUBERNETES_TRANSIENT_STATUSES = TRANSIENT_HTTP_STATUSES | {409}
"""A 409 Conflict on a Deployment means another writer got there between our read and our write
(AlreadyExists on create, a stale resourceVersion): the step is idempotent, so re-running it
re-reads and converges."""

_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    BotocoreConnectionError,  # EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ...
    HTTPClientError,  # ConnectionClosedError, ...
    ConnectionError,  # reset, refused, aborted (the builtin)
    TimeoutError,
    socket.gaierror,
    http.client.HTTPException,
)


def _urllib3_errors() -> tuple[type[BaseException], ...]:
    """urllib3's transport errors, which the kubernetes client lets through unchanged."""
    from urllib3 import exceptions

    return (exceptions.MaxRetryError, exceptions.ProtocolError, exceptions.TimeoutError)


def _aws_failure(exc: ClientError) -> DependencyFailure:
    response: dict[str, Any] = dict(exc.response)
    error: dict[str, Any] = dict(response.get("Error") or {})
    meta: dict[str, Any] = dict(response.get("ResponseMetadata") or {})
    code = str(error.get("Code") or "ClientError")
    status = meta.get("HTTPStatusCode")
    status = int(status) if isinstance(status, int) else None
    operation = str(getattr(exc, "operation_name", "") or "AWS")
    message = str(error.get("Message") or "")
    if code in THROTTLING_CODES or code in TRANSIENT_CODES or status in TRANSIENT_HTTP_STATUSES:
        return TransientError(operation, code, message, status)
    return DependencyError(operation, code, message, status)


def _kubernetes_failure(exc: Any) -> DependencyFailure:
    status = int(exc.status) if isinstance(exc.status, int) else None
    reason = str(exc.reason or "")
    code = f"HTTP {status}" if status else "no response"
    message = reason if status else f"{reason} (the API server did not answer)"
    if status is None or status == 0 or status in KUBERNETES_TRANSIENT_STATUSES:
        return TransientError("Kubernetes", code, message, status)
    return DependencyError("Kubernetes", code, message, status)


def classify(exc: BaseException) -> DependencyFailure | None:
    """The project error for a dependency's failure, or None for anything else (a bug, a domain error)."""
    if isinstance(exc, DependencyFailure):
        return exc
    if isinstance(exc, BlueGreenError):
        return None
    if isinstance(exc, ClientError):
        return _aws_failure(exc)
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException):
        return _kubernetes_failure(exc)
    if isinstance(exc, _NETWORK_ERRORS + _urllib3_errors()):
        return TransientError("network", type(exc).__name__, str(exc))
    if isinstance(exc, BotoCoreError):  # no credentials, no region, a bad parameter: configuration
        return DependencyError("AWS", type(exc).__name__, str(exc))
    return None


def is_transient(exc: BaseException) -> bool:
    return isinstance(classify(exc), TransientError)
