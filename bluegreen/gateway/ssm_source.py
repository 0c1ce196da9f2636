"""Reads the active-colour parameter, fresh on every call (no caching layer in between)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from bluegreen.gateway.errors import (
    ParameterMissingError,
    ParameterThrottledError,
    ParameterUnavailableError,
)

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

THROTTLING_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)


@dataclass(frozen=True)
class ParameterReading:
    """The raw value (not yet validated as a colour) and the parameter's version."""

    value: str
    version: int


class ParameterSource(Protocol):
    name: str

    def read(self) -> ParameterReading: ...


class SsmParameterSource:
    """GetParameter on every call. botocore's own retries are off (the agent backs off itself)."""

    def __init__(self, client: SSMClient, name: str) -> None:
        self._client = client
        self.name = name

    def read(self) -> ParameterReading:
        try:
            response = self._client.get_parameter(Name=self.name, WithDecryption=False)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "")
            if code == "ParameterNotFound":
                raise ParameterMissingError(f"parameter {self.name} not found") from exc
            if code in THROTTLING_CODES:
                raise ParameterThrottledError(
                    f"GetParameter {self.name} throttled ({code}): {message}"
                ) from exc
            raise ParameterUnavailableError(f"GetParameter {self.name} failed ({code}): {message}") from exc
        except BotoCoreError as exc:
            raise ParameterUnavailableError(f"SSM unreachable reading {self.name}: {exc}") from exc
        parameter = response.get("Parameter", {})
        value = parameter.get("Value")
        version = parameter.get("Version")
        if not isinstance(value, str) or not isinstance(version, int):
            raise ParameterUnavailableError(f"GetParameter {self.name} returned no value or version")
        return ParameterReading(value=value, version=version)
