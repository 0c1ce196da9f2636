"""Errors of the stdlib AWS client.

Every message is meant for an on-call engineer reading the agent's log: it says which service,
operation, endpoint or credential source was involved. No message ever carries a secret access
key or a session token (access key ids are not secret and may appear).
"""

from __future__ import annotations


class AwsError(Exception):
    """Base class for everything this package raises."""


class AwsServiceError(AwsError):
    """The service answered, with an error (HTTP status >= 300).

    `code` is the bare AWS error code (`ParameterNotFound`, `ThrottlingException`, ...), or
    `HTTP<status>` when the answer did not name one.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int,
        *,
        service: str = "",
        operation: str = "",
        request_id: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.status = status
        self.service = service
        self.operation = operation
        self.request_id = request_id
        where = f"{service} {operation} failed: " if service or operation else ""
        text = f"{where}{code} (HTTP {status})"
        if message:
            text += f": {message}"
        if request_id:
            text += f" [request id {request_id}]"
        super().__init__(text)


class AwsTransportError(AwsError):
    """No usable answer: connection refused or reset, timeout, DNS, TLS, or an unparseable 2xx body."""


class AwsCredentialsError(AwsError):
    """No credentials could be found, or a credential source is misconfigured or failing."""


class AwsConfigError(AwsError):
    """Configuration other than credentials is missing, for example the region."""
