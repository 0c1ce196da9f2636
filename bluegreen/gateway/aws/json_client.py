"""A small client for AWS services speaking the JSON protocol (SSM, DynamoDB, ...).

One POST per call to `/` with `X-Amz-Target: <prefix>.<operation>`, a JSON body and a SigV4
signature. One keep-alive connection per client, guarded by a lock. The only retry is the one
every HTTP client needs: when a *reused* connection turns out to have been closed by the server
while idle (the failure happens before any byte of a response arrived), the request is sent once
more on a fresh connection. Everything else is the caller's business (it backs off itself).
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit

from bluegreen.gateway.aws.credentials import Credentials, CredentialsProvider
from bluegreen.gateway.aws.errors import AwsConfigError, AwsServiceError, AwsTransportError
from bluegreen.gateway.aws.sigv4 import sign_request

logger = logging.getLogger(__name__)

_SNIPPET = 200

# Failures that mean "the server closed this idle connection before reading our request".
_STALE_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    http.client.RemoteDisconnected,
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class JsonCaller(Protocol):
    """What users of a JSON-protocol client need: `JsonApiClient`, or a fake in tests."""

    def call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]: ...


def default_endpoint(service: str, region: str) -> str:
    """`https://{service}.{region}.amazonaws.com`, or `.amazonaws.com.cn` in the China regions."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{service}.{region}.{suffix}"


class JsonApiClient:
    """Calls one AWS JSON-protocol service, e.g. `JsonApiClient(service="ssm",
    target_prefix="AmazonSSM", json_version="1.1", ...)`.

    `call` returns the decoded JSON answer (`{}` for an empty body) or raises
    `AwsServiceError` (the service said no), `AwsTransportError` (no usable answer) or
    `AwsCredentialsError` (from the credentials provider).
    """

    def __init__(
        self,
        *,
        service: str,
        target_prefix: str,
        json_version: str,
        region: str,
        credentials: CredentialsProvider,
        endpoint_url: str | None = None,
        connect_timeout: float = 2.0,
        read_timeout: float = 3.0,
        user_agent: str = "bluegreen-gateway",
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.service = service
        self.region = region
        self.endpoint_url = (endpoint_url or default_endpoint(service, region)).rstrip("/")
        parts = urlsplit(self.endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AwsConfigError(
                f"{service} endpoint {self.endpoint_url!r} is not an http:// or https:// URL"
            )
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path or "/"
        self._signing_url = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{self._path}"
        self._target_prefix = target_prefix
        self._content_type = f"application/x-amz-json-{json_version}"
        self._credentials = credentials
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._user_agent = user_agent
        self._clock = clock
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None
        self._connection_used = False
        self._ssl_context: ssl.SSLContext | None = (
            ssl.create_default_context() if parts.scheme == "https" else None
        )

    def __enter__(self) -> JsonApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the kept-alive connection, if any (the next call opens a new one)."""
        with self._lock:
            self._drop_connection()

    def call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Invoke `operation` with `payload`; return the service's JSON answer."""
        credentials = self._credentials.get()
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = sign_request(
            method="POST",
            url=self._signing_url,
            headers={
                "Content-Type": self._content_type,
                "X-Amz-Target": f"{self._target_prefix}.{operation}",
                "User-Agent": self._user_agent,
            },
            body=body,
            credentials=credentials,
            region=self.region,
            service=self.service,
            now=self._clock(),
        )
        headers["Content-Length"] = str(len(body))
        with self._lock:
            status, response_headers, data = self._exchange(operation, headers, body)
        logger.debug("%s %s: HTTP %s, %d bytes", self.service, operation, status, len(data))
        if status >= 300:
            raise self._service_error(operation, status, response_headers, data, credentials)
        if not data.strip():
            return {}
        try:
            answer = json.loads(data)
        except ValueError:
            raise AwsTransportError(
                f"{self.service} {operation}: HTTP {status} with a body that is not JSON "
                f"({len(data)} bytes) from {self.endpoint_url}"
            ) from None
        if not isinstance(answer, dict):
            raise AwsTransportError(
                f"{self.service} {operation}: HTTP {status} with a JSON {type(answer).__name__}, "
                f"not an object, from {self.endpoint_url}"
            )
        return answer

    # -- connection handling (always under self._lock) ------------------------------------------

    def _exchange(
        self, operation: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        for attempt in (1, 2):
            connection, reused = self._open(operation)
            try:
                connection.request("POST", self._path, body=body, headers=headers)
                response = connection.getresponse()
            except _STALE_CONNECTION_ERRORS as exc:
                self._drop_connection()
                if reused and attempt == 1:
                    logger.debug(
                        "%s %s: kept-alive connection was closed by the server (%s); reconnecting",
                        self.service,
                        operation,
                        type(exc).__name__,
                    )
                    continue
                raise self._transport_error(operation, exc) from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                raise self._transport_error(operation, exc) from exc
            try:
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                raise self._transport_error(operation, exc) from exc
            if response.will_close:
                self._drop_connection()
            else:
                self._connection_used = True
            return response.status, response.headers, data
        raise AssertionError("unreachable")  # pragma: no cover

    def _open(self, operation: str) -> tuple[http.client.HTTPConnection, bool]:
        """The kept-alive connection (reused=True) or a freshly connected one (reused=False)."""
        if self._connection is not None and self._connection.sock is not None:
            return self._connection, self._connection_used
        self._drop_connection()
        connection: http.client.HTTPConnection
        if self._ssl_context is not None:
            connection = http.client.HTTPSConnection(
                self._host, self._port, timeout=self._connect_timeout, context=self._ssl_context
            )
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self._connect_timeout)
        try:
            connection.connect()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise self._transport_error(operation, exc, connecting=True) from exc
        if connection.sock is not None:
            connection.sock.settimeout(self._read_timeout)
        self._connection = connection
        self._connection_used = False
        return connection, False

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._connection_used = False

    # -- errors ----------------------------------------------------------------------------------

    def _transport_error(
        self, operation: str, exc: BaseException, *, connecting: bool = False
    ) -> AwsTransportError:
        if isinstance(exc, TimeoutError):
            seconds = self._connect_timeout if connecting else self._read_timeout
            what = "connecting" if connecting else "waiting for the answer"
            reason = f"timed out after {seconds:g} s {what}"
        elif isinstance(exc, socket.gaierror):
            reason = f"cannot resolve {self._host}: {exc.strerror or exc}"
        elif isinstance(exc, ssl.SSLError):
            reason = f"TLS failure: {exc.reason or exc}"
        else:
            detail = str(exc)
            reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        return AwsTransportError(f"{self.service} {operation}: {self.endpoint_url}: {reason}")

    def _service_error(
        self,
        operation: str,
        status: int,
        headers: http.client.HTTPMessage,
        data: bytes,
        credentials: Credentials,
    ) -> AwsServiceError:
        header_code = (headers.get("x-amzn-ErrorType") or "").split(":", 1)[0].strip()
        request_id = headers.get("x-amzn-RequestId") or headers.get("x-amz-request-id")
        text = data.decode("utf-8", errors="replace")
        document: Any = None
        if text.strip():
            try:
                document = json.loads(text)
            except ValueError:
                document = None
        if isinstance(document, dict):
            raw_code = document.get("__type") or document.get("code") or document.get("Code") or header_code
            code = str(raw_code).rsplit("#", 1)[-1].split(":", 1)[0].strip() if raw_code else ""
            raw_message = document.get("message") or document.get("Message") or ""
            message = str(raw_message)
        else:
            code = header_code
            message = " ".join(text.split())[:_SNIPPET]
        return AwsServiceError(
            code or f"HTTP{status}",
            _redact(message, credentials),
            status,
            service=self.service,
            operation=operation,
            request_id=request_id,
        )


def _redact(text: str, credentials: Credentials) -> str:
    """Some errors (signature mismatch) echo the request back: never let a secret through."""
    for secret in (credentials.secret_key, credentials.token):
        if secret:
            text = text.replace(secret, "<redacted>")
    return text
