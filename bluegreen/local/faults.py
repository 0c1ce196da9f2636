"""Faults injected into the local workflow, by the function that is running when they strike.

- `lambda_error(function, error_type)`: the invocation fails before the handler runs, as the Lambda
  service reports it (e.g. `Sandbox.Timedout` for a timeout, `Lambda.ServiceException`).
- `aws(function, operation, code, status)`: an AWS call made while that function runs raises the
  modelled error boto3 raises after its own retries gave up (ThrottlingException,
  AccessDeniedException, ConditionalCheckFailedException, ...).
- `kubernetes(function, status)`: a Kubernetes API call fails with that HTTP status (0: the API
  server is unreachable).

Each fault strikes `times` times (None: every time) and counts its hits. Used by the fault matrix
(tests/integration/test_fault_matrix.py); harmless when no fault is registered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

LAMBDA_TIMEOUT = "Sandbox.Timedout"
"""What Lambda reports for a function that ran out of time (Step Functions matches it by name)."""


@dataclass
class Fault:
    function: str
    kind: str  # lambda | aws | kubernetes
    target: str = ""  # error type (lambda), operation (aws), "" (kubernetes)
    code: str = ""
    status: int = 400
    times: int | None = None
    hits: int = 0

    def strikes(self) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.active: str | None = None
        """The function the workflow is running now (set by the harness around each invocation)."""
        self._active_thread: int | None = None

    # -- registering ------------------------------------------------------------------------------

    def lambda_error(self, function: str, error_type: str, times: int | None = None) -> Fault:
        return self._add(Fault(function, "lambda", error_type, times=times))

    def aws(
        self, function: str, operation: str, code: str, status: int = 400, times: int | None = None
    ) -> Fault:
        return self._add(Fault(function, "aws", operation, code, status, times))

    def kubernetes(self, function: str, status: int, times: int | None = None) -> Fault:
        return self._add(Fault(function, "kubernetes", status=status, times=times))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    @contextmanager
    def running(self, function: str) -> Iterator[None]:
        """Mark `function` as running on this thread (AWS faults strike only its calls)."""
        self.active, self._active_thread = function, threading.get_ident()
        try:
            yield
        finally:
            self.active, self._active_thread = None, None

    def _strike(self, kind: str, target: str = "") -> Fault | None:
        if kind == "aws" and threading.get_ident() != self._active_thread:
            return None  # the test's own calls, or the gateways', never fail
        with self._lock:
            for fault in self._faults:
                matches = fault.kind == kind and fault.function == self.active
                if matches and (kind != "aws" or fault.target == target) and fault.strikes():
                    return fault
        return None

    # -- striking ---------------------------------------------------------------------------------

    def lambda_failure(self) -> dict[str, Any] | None:
        """The function error payload for the running function's invocation, if a fault strikes it."""
        fault = self._strike("lambda")
        if fault is None:
            return None
        message = "Task timed out after 30.00 seconds"
        if fault.target != LAMBDA_TIMEOUT:
            message = f"injected {fault.target}"
        return {"errorType": fault.target, "errorMessage": message, "stackTrace": []}

    @contextmanager
    def patched(self) -> Iterator[Faults]:
        """Patch boto3's and the kubernetes client's request paths for as long as the world lives."""
        from botocore.client import BaseClient
        from kubernetes.client import rest
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import MaxRetryError, NewConnectionError

        faults = self
        make_api_call = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, and what moto patches too
        kube_request: Any = rest.RESTClientObject.request

        def api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            fault = faults._strike("aws", operation)
            if fault is not None:
                response: Any = {
                    "Error": {"Code": fault.code, "Message": f"injected {fault.code}"},
                    "ResponseMetadata": {"HTTPStatusCode": fault.status},
                }
                raise client.exceptions.from_code(fault.code)(response, operation)
            return make_api_call(client, operation, params)

        def request(rest_client: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            fault = faults._strike("kubernetes")
            if fault is not None:
                if fault.status == 0:
                    refused: Any = NewConnectionError
                    raise MaxRetryError(None, url, refused(None, "Connection refused"))  # type: ignore[arg-type]
                api_exception: Any = ApiException
                raise api_exception(status=fault.status, reason=f"injected HTTP {fault.status}")
            return kube_request(rest_client, method, url, *args, **kwargs)

        with ExitStack() as stack:
            stack.enter_context(mock.patch.object(BaseClient, "_make_api_call", api_call))
            stack.enter_context(mock.patch.object(rest.RESTClientObject, "request", request))
            yield self
