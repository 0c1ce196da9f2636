"""Credentials and region for the stdlib AWS client.

`CredentialChain` looks, in this order, at:

1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`;
2. the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), profile
   `AWS_PROFILE` else `default`, static keys only (no role_arn, SSO or credential_process);
3. the EC2 instance metadata service, IMDSv2 only (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, default
   `http://169.254.169.254`; skipped when `AWS_EC2_METADATA_DISABLED=true`).

The first source that has credentials wins and its answer is cached. Temporary credentials are
fetched again when they are within five minutes of expiry; if that fails while the cached ones are
still valid, the cached ones are kept (and the next attempt waits a little). A source that is
present but broken (only one of the two key variables set, an unreadable credentials file) is an
error rather than a reason to silently try the next identity.

Nothing in here logs or puts into an exception message a secret key or a session token.
"""

from __future__ import annotations

import configparser
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bluegreen.gateway.aws.errors import AwsConfigError, AwsCredentialsError
from bluegreen.gateway.aws.imds import (
    ImdsHttpError,
    InstanceMetadata,
)

logger = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)
RETRY_AFTER_FAILED_REFRESH = timedelta(seconds=30)

_ROLE_PATH = "/latest/meta-data/iam/security-credentials/"
_REGION_PATH = "/latest/meta-data/placement/region"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, repr=False)
class Credentials:
    """One set of AWS credentials. `expires_at` (aware, UTC) is None for long-term keys."""

    access_key: str
    secret_key: str
    token: str | None = None
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        token = "'<hidden>'" if self.token else "None"
        expires = self.expires_at.isoformat() if self.expires_at else None
        return (
            f"Credentials(access_key={self.access_key!r}, secret_key='<hidden>', token={token}, "
            f"expires_at={expires!r})"
        )

    def expires_within(self, margin: timedelta, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at - now < margin

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class CredentialsProvider(Protocol):
    """Anything that hands out current credentials (`CredentialChain`, `StaticCredentials`)."""

    def get(self) -> Credentials: ...


class StaticCredentials:
    """A provider that always returns the same credentials (tests, explicit configuration)."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def get(self) -> Credentials:
        return self._credentials


class _Unavailable(Exception):
    """A credential source has nothing to offer; the message says why (and holds no secret)."""


class _EnvironmentSource:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def describe(self) -> str:
        return "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"

    def load(self) -> Credentials:
        access_key = self._environ.get("AWS_ACCESS_KEY_ID", "").strip()
        secret_key = self._environ.get("AWS_SECRET_ACCESS_KEY", "").strip()
        if not access_key and not secret_key:
            raise _Unavailable("not set")
        if not secret_key:
            raise AwsCredentialsError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        if not access_key:
            raise AwsCredentialsError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        token = self._environ.get("AWS_SESSION_TOKEN", "").strip() or None
        return Credentials(access_key, secret_key, token)


class _SharedFileSource:
    def __init__(self, environ: Mapping[str, str], home: Path) -> None:
        configured = environ.get("AWS_SHARED_CREDENTIALS_FILE", "").strip()
        if configured:
            if configured == "~" or configured.startswith("~/"):
                configured = str(home) + configured[1:]
            self.path = Path(configured)
        else:
            self.path = home / ".aws" / "credentials"
        self.profile = environ.get("AWS_PROFILE", "").strip() or "default"

    def describe(self) -> str:
        return f"shared credentials file {self.path} (profile {self.profile!r})"

    def load(self) -> Credentials:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            with self.path.open(encoding="utf-8") as stream:
                parser.read_file(stream)
        except FileNotFoundError:
            raise _Unavailable("file not found") from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise AwsCredentialsError(f"unreadable: {reason}") from None
        except configparser.Error as exc:
            # The parser's own message quotes the offending line, which may hold a key: never show it.
            raise AwsCredentialsError(f"cannot parse it{_parse_error_lines(exc)}") from None
        if not parser.has_section(self.profile):
            raise _Unavailable("no such profile")
        section = parser[self.profile]
        access_key = section.get("aws_access_key_id", "").strip()
        secret_key = section.get("aws_secret_access_key", "").strip()
        if not access_key and not secret_key:
            raise _Unavailable(
                "profile has no static keys (role_arn, SSO and credential_process are not supported)"
            )
        if not access_key or not secret_key:
            missing = "aws_secret_access_key" if access_key else "aws_access_key_id"
            raise AwsCredentialsError(f"the profile has no {missing}")
        token = section.get("aws_session_token", "").strip() or None
        return Credentials(access_key, secret_key, token)


def _parse_error_lines(exc: configparser.Error) -> str:
    """Where the file is broken, by line number only: the parser's message quotes the line itself."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return f" ({type(exc).__name__} on line {lineno})"
    errors = getattr(exc, "errors", None)
    if isinstance(exc, configparser.ParsingError) and errors:
        return f" (syntax error on line {', '.join(str(error[0]) for error in errors)})"
    return f" ({type(exc).__name__})"


class _InstanceMetadataSource:
    def __init__(self, imds: InstanceMetadata | None) -> None:
        self._imds = imds

    def describe(self) -> str:
        if self._imds is None:
            return "EC2 instance metadata"
        return f"EC2 instance metadata at {self._imds.base_url} (IMDSv2)"

    def load(self) -> Credentials:
        if self._imds is None:
            raise _Unavailable("disabled by AWS_EC2_METADATA_DISABLED=true")
        try:
            roles = self._imds.get(_ROLE_PATH).split()
        except ImdsHttpError as exc:
            if exc.status == 404:
                raise _Unavailable("no IAM role (instance profile) is attached to this instance") from None
            raise _Unavailable(str(exc)) from None
        except AwsCredentialsError as exc:
            raise _Unavailable(str(exc)) from None
        if not roles:
            raise _Unavailable("no IAM role (instance profile) is attached to this instance")
        role = roles[0]
        try:
            document = json.loads(self._imds.get(_ROLE_PATH + role))
        except AwsCredentialsError as exc:
            raise _Unavailable(f"role {role!r}: {exc}") from None
        except ValueError:
            raise _Unavailable(f"role {role!r}: the credentials document is not JSON") from None
        return _credentials_from_document(role, document)


def _credentials_from_document(role: str, document: Any) -> Credentials:
    if not isinstance(document, dict):
        raise _Unavailable(f"role {role!r}: the credentials document is not a JSON object")
    code = document.get("Code", "Success")
    if code != "Success":
        raise _Unavailable(f"role {role!r}: the service reports Code={code!r}")
    missing = [
        key
        for key in ("AccessKeyId", "SecretAccessKey", "Token", "Expiration")
        if not isinstance(document.get(key), str) or not document[key]
    ]
    if missing:
        raise _Unavailable(f"role {role!r}: the credentials document lacks {', '.join(missing)}")
    try:
        expires_at = datetime.fromisoformat(document["Expiration"])
    except ValueError:
        raise _Unavailable(f"role {role!r}: unreadable Expiration {document['Expiration']!r}") from None
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return Credentials(
        document["AccessKeyId"], document["SecretAccessKey"], document["Token"], expires_at.astimezone(UTC)
    )


class CredentialChain:
    """Thread-safe, caching credentials provider: environment, shared file, then IMDSv2.

    `environ` (default `os.environ`), `home` (default the user's home) and `imds_base_url`
    (default from `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else `http://169.254.169.254`) are
    injectable so tests do not depend on the machine; `clock` returns an aware UTC datetime.
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        home: Path | None = None,
        imds_base_url: str | None = None,
        imds_timeout: float = 1.0,
        clock: Callable[[], datetime] = _utcnow,
        refresh_margin: timedelta = REFRESH_MARGIN,
        retry_after_failure: timedelta = RETRY_AFTER_FAILED_REFRESH,
    ) -> None:
        env: Mapping[str, str] = os.environ if environ is None else environ
        self.imds = InstanceMetadata.from_environ(env, base_url=imds_base_url, timeout=imds_timeout)
        self._sources: list[_EnvironmentSource | _SharedFileSource | _InstanceMetadataSource] = [
            _EnvironmentSource(env),
            _SharedFileSource(env, Path.home() if home is None else home),
            _InstanceMetadataSource(self.imds),
        ]
        self._clock = clock
        self._refresh_margin = refresh_margin
        self._retry_after_failure = retry_after_failure
        self._lock = threading.Lock()
        self._cached: Credentials | None = None
        self._next_attempt: datetime | None = None

    def get(self) -> Credentials:
        """Current credentials; raises `AwsCredentialsError` when none can be had."""
        with self._lock:
            now = self._clock()
            cached = self._cached
            if cached is not None and not cached.is_expired(now):
                if not cached.expires_within(self._refresh_margin, now):
                    return cached
                if self._next_attempt is not None and now < self._next_attempt:
                    return cached
            try:
                fresh = self._load()
            except AwsCredentialsError as exc:
                if cached is None or cached.is_expired(now):
                    raise
                self._next_attempt = now + self._retry_after_failure
                logger.warning(
                    "Refreshing AWS credentials failed; keeping the current ones (valid until %s): %s",
                    cached.expires_at.isoformat() if cached.expires_at else "-",
                    exc,
                )
                return cached
            self._cached = fresh
            self._next_attempt = None
            return fresh

    def _load(self) -> Credentials:
        tried: list[str] = []
        for source in self._sources:
            try:
                credentials = source.load()
            except _Unavailable as reason:
                tried.append(f"{source.describe()}: {reason}")
                continue
            except AwsCredentialsError as exc:
                raise AwsCredentialsError(f"{source.describe()}: {exc}") from None
            logger.info(
                "AWS credentials from %s (access key id %s, %s)",
                source.describe(),
                credentials.access_key,
                f"expires {credentials.expires_at.isoformat()}" if credentials.expires_at else "no expiry",
            )
            return credentials
        raise AwsCredentialsError("no AWS credentials found; tried " + "; ".join(tried))


def resolve_region(
    configured: str | None,
    environ: Mapping[str, str] | None = None,
    imds: InstanceMetadata | None = None,
) -> str:
    """The region to use: `configured`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else IMDS.

    `environ` defaults to `os.environ`. With `imds=None` an IMDS client is built from `environ`
    (so `AWS_EC2_METADATA_DISABLED=true` skips it). Raises `AwsConfigError` naming what was tried.
    """
    if configured and configured.strip():
        return configured.strip()
    env: Mapping[str, str] = os.environ if environ is None else environ
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = env.get(name, "").strip()
        if value:
            return value
    tried = ["the agent's configuration", "AWS_REGION", "AWS_DEFAULT_REGION"]
    metadata = imds if imds is not None else InstanceMetadata.from_environ(env)
    if metadata is None:
        tried.append("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED=true)")
    else:
        try:
            region = metadata.get(_REGION_PATH).strip()
        except AwsCredentialsError as exc:
            tried.append(f"EC2 instance metadata ({exc})")
        else:
            if region:
                return region
            tried.append("EC2 instance metadata (empty answer)")
    raise AwsConfigError("no AWS region configured; tried " + ", ".join(tried))
