"""A minimal IMDSv2 client for the gateway's credentials and region (standard library only)."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from bluegreen.gateway.aws.errors import AwsConfigError, AwsCredentialsError

DEFAULT_IMDS_URL = "http://169.254.169.254"
IMDS_TOKEN_TTL_SECONDS = 21600
TOKEN_PATH = "/latest/api/token"  # noqa: S105 (a URL path, not a secret)


class ImdsHttpError(AwsCredentialsError):
    """The instance metadata service answered with an unexpected HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class InstanceMetadata:
    """A minimal IMDSv2 client: a session token from PUT /latest/api/token, then GETs with it.

    The token is cached for its lifetime (minus a minute) and fetched again on a 401. Every
    request uses a fresh connection with `timeout` seconds for connecting and for each read.
    Failures raise `AwsCredentialsError` (`ImdsHttpError` for an unexpected status).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_IMDS_URL,
        *,
        timeout: float = 1.0,
        token_ttl_seconds: int = IMDS_TOKEN_TTL_SECONDS,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AwsConfigError(
                f"instance metadata endpoint {base_url!r} is not an http:// or https:// URL "
                "(check AWS_EC2_METADATA_SERVICE_ENDPOINT)"
            )
        self.base_url = base_url.rstrip("/")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._token_ttl = token_ttl_seconds
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str], *, base_url: str | None = None, timeout: float = 1.0
    ) -> InstanceMetadata | None:
        """The IMDS client the environment asks for, or None when `AWS_EC2_METADATA_DISABLED=true`."""
        if environ.get("AWS_EC2_METADATA_DISABLED", "").strip().lower() == "true":
            return None
        url = base_url or environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT") or DEFAULT_IMDS_URL
        return cls(url, timeout=timeout)

    def get(self, path: str) -> str:
        """GET `path` (e.g. `/latest/meta-data/placement/region`) and return the body as text."""
        with self._lock:
            status, body = self._request("GET", path, {"X-aws-ec2-metadata-token": self._session_token()})
            if status == 401:
                self._token = None
                status, body = self._request("GET", path, {"X-aws-ec2-metadata-token": self._session_token()})
        if status != 200:
            raise ImdsHttpError(f"instance metadata {self.base_url}{path} answered HTTP {status}", status)
        return body.decode("utf-8", errors="replace")

    def _session_token(self) -> str:
        if self._token is not None and time.monotonic() < self._token_expires:
            return self._token
        headers = {"X-aws-ec2-metadata-token-ttl-seconds": str(self._token_ttl)}
        status, body = self._request("PUT", TOKEN_PATH, headers)
        if status != 200 or not body.strip():
            raise ImdsHttpError(
                f"instance metadata {self.base_url} refused an IMDSv2 session token (HTTP {status})", status
            )
        self._token = body.decode("ascii", errors="replace").strip()
        self._token_expires = time.monotonic() + max(self._token_ttl - 60, 1)
        return self._token

    def _request(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        connection: http.client.HTTPConnection
        if self._scheme == "https":
            connection = http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout)
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        try:
            connection.request(method, self._prefix + path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            reason = str(exc) or type(exc).__name__
            raise AwsCredentialsError(
                f"instance metadata {self.base_url} unreachable ({method} {path}): {reason}"
            ) from exc
        finally:
            connection.close()
