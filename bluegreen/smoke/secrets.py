"""Where the suite's secrets come from: AWS Secrets Manager in Lambda, a dict in tests.

Values are only ever returned to the runner; no error message, log line or repr holds one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol, cast

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bluegreen.smoke.errors import SecretUnavailableError
from bluegreen.smoke.model import SecretRef

logger = logging.getLogger(__name__)


class SecretsProvider(Protocol):
    def get_secret(self, name: str) -> str:
        """The secret's string value; raises SecretUnavailableError."""
        ...


class SecretsManagerClient(Protocol):
    def get_secret_value(self, *, SecretId: str) -> Mapping[str, Any]: ...


class SecretsManagerSecrets:
    """Reads each secret once per instance (build one per suite run, not per Lambda container)."""

    def __init__(self, client: SecretsManagerClient | None = None) -> None:
        self._client = client or cast(SecretsManagerClient, boto3.client("secretsmanager"))
        self._cache: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"SecretsManagerSecrets(cached={sorted(self._cache)})"

    def get_secret(self, name: str) -> str:
        if name not in self._cache:
            try:
                response = self._client.get_secret_value(SecretId=name)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "ClientError")
                raise SecretUnavailableError(name, code) from exc
            except BotoCoreError as exc:
                raise SecretUnavailableError(name, type(exc).__name__) from exc
            if "SecretString" in response:
                value = str(response["SecretString"])
            elif "SecretBinary" in response:
                value = bytes(response["SecretBinary"]).decode("utf-8", errors="strict")
            else:
                raise SecretUnavailableError(name, "the secret has no value")
            logger.debug("read secret %s", name)
            self._cache[name] = value
        return self._cache[name]


class InMemorySecrets:
    """A fake for tests and local runs."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.reads: list[str] = []

    def __repr__(self) -> str:
        return f"InMemorySecrets(names={sorted(self._values)})"

    def get_secret(self, name: str) -> str:
        self.reads.append(name)
        if name not in self._values:
            raise SecretUnavailableError(name, "ResourceNotFoundException")
        return self._values[name]


def resolve(ref: SecretRef, provider: SecretsProvider) -> str:
    """The value a `SecretRef` names: the whole secret, or one field of a JSON secret."""
    raw = provider.get_secret(ref.name)
    if ref.key is None:
        return raw
    try:
        document = json.loads(raw)
    except ValueError:
        # `from None`: a JSONDecodeError holds the whole document, i.e. the secret.
        raise SecretUnavailableError(ref.name, f"key {ref.key!r} asked for, but it is not JSON") from None
    if not isinstance(document, dict) or ref.key not in document:
        raise SecretUnavailableError(ref.name, f"has no key {ref.key!r}")
    value = document[ref.key]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SecretUnavailableError(ref.name, f"key {ref.key!r} is not a string or a number")
    return str(value)


def resolve_all(refs: Mapping[str, SecretRef], provider: SecretsProvider) -> dict[str, str]:
    """alias -> value for every declared secret; raises the first SecretUnavailableError."""
    return {alias: resolve(ref, provider) for alias, ref in refs.items()}
