"""Transient vs permanent is decided by error code and HTTP status, for every AWS and Kubernetes
error a step can meet: the workflow retries exactly TransientError (no network, no AWS)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from botocore.retries.standard import ThrottledRetryableChecker, TransientRetryableChecker
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import MaxRetryError, NewConnectionError

from bluegreen.adapters.failures import THROTTLING_CODES, TRANSIENT_CODES, classify, is_transient
from bluegreen.errors import DependencyError, RolloutFailedError, TransientError
from bluegreen.lambda_support import classified_failures


def aws_error(code: str, status: int = 400, operation: str = "PutParameter") -> ClientError:
    """The modelled error class boto3 raises for `code` (a ClientError under its own name)."""
    ssm = boto3.client("ssm", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    response: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    error_class: Any = ssm.exceptions.from_code(code)
    return error_class(response, operation)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 400),
        ("TooManyUpdates", 400),  # SSM PutParameter's concurrency error, a modelled class of its own
        ("ProvisionedThroughputExceededException", 400),
        ("RequestLimitExceeded", 400),
        ("InternalServerError", 500),
        ("SomethingNew", 503),
        ("SomethingNew", 429),
    ],
)
def test_throttling_and_server_faults_are_transient(code: str, status: int) -> None:
    failure = classify(aws_error(code, status))
    assert isinstance(failure, TransientError)
    assert failure.code == code
    assert "PutParameter" in str(failure)


@pytest.mark.parametrize(
    "code", ["AccessDeniedException", "ParameterNotFound", "ValidationException", "ResourceNotFoundException"]
)
def test_refusals_are_permanent(code: str) -> None:
    assert isinstance(classify(aws_error(code)), DependencyError)


def test_the_modelled_class_name_does_not_matter() -> None:
    error = aws_error("TooManyUpdates")
    assert type(error).__name__ == "TooManyUpdates"  # what the old retry list ("ClientError") missed
    assert is_transient(error)


def test_network_failures_are_transient_missing_credentials_are_not() -> None:
    assert is_transient(EndpointConnectionError(endpoint_url="https://ssm.us-east-1.amazonaws.com"))
    assert is_transient(ConnectionResetError(104, "Connection reset by peer"))
    assert is_transient(MaxRetryError(None, "/apis", NewConnectionError(None, "refused")))  # type: ignore[arg-type]
    assert isinstance(classify(NoCredentialsError()), DependencyError)


@pytest.mark.parametrize(
    ("status", "transient"), [(500, True), (503, True), (429, True), (409, True), (0, True)]
)
def test_kubernetes_server_errors_are_transient(status: int, transient: bool) -> None:
    assert is_transient(ApiException(status=status, reason="x")) is transient


@pytest.mark.parametrize("status", [401, 403, 404, 422])
def test_kubernetes_refusals_are_permanent(status: int) -> None:
    assert isinstance(classify(ApiException(status=status, reason="Forbidden")), DependencyError)


def test_domain_errors_and_bugs_are_left_alone() -> None:
    assert classify(RolloutFailedError("payment", "ProgressDeadlineExceeded")) is None
    assert classify(KeyError("x")) is None


def test_the_codes_cover_botocores_own_retry_lists() -> None:
    throttled: list[str] = getattr(ThrottledRetryableChecker, "_THROTTLED_ERROR_CODES")  # noqa: B009
    transient: list[str] = getattr(TransientRetryableChecker, "_TRANSIENT_ERROR_CODES")  # noqa: B009
    assert set(throttled) <= THROTTLING_CODES
    assert set(transient) <= TRANSIENT_CODES


def test_a_handler_raises_the_workflows_error_name_with_the_sdk_error_as_cause() -> None:
    @classified_failures
    def handler(event: dict[str, Any]) -> None:
        raise aws_error("ThrottlingException")

    with pytest.raises(TransientError) as caught:
        handler({})
    assert type(caught.value).__name__ == "TransientError"  # the Lambda errorType the ASL retries
    assert isinstance(caught.value.__cause__, ClientError)
