"""Reads the active-colour parameter, fresh on every call (no caching layer in between)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bluegreen.gateway.aws import AwsError, AwsServiceError, JsonCaller
from bluegreen.gateway.errors import (
    ParameterMissingError,
    ParameterThrottledError,
    ParameterUnavailableError,
)

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
    """SSM GetParameter on every call, one attempt (the agent backs off itself)."""

    def __init__(self, client: JsonCaller, name: str) -> None:
        self._client = client
        self.name = name

    def read(self) -> ParameterReading:
        try:
            response = self._client.call("GetParameter", {"Name": self.name, "WithDecryption": False})
        except AwsServiceError as exc:
            if exc.code == "ParameterNotFound":
                raise ParameterMissingError(f"parameter {self.name} not found") from exc
            if exc.code in THROTTLING_CODES:
                raise ParameterThrottledError(
                    f"GetParameter {self.name} throttled ({exc.code}): {exc.message}"
                ) from exc
            raise ParameterUnavailableError(
                f"GetParameter {self.name} failed ({exc.code}): {exc.message}"
            ) from exc
        except AwsError as exc:
            raise ParameterUnavailableError(f"SSM unreachable reading {self.name}: {exc}") from exc
        parameter = response.get("Parameter")
        value = parameter.get("Value") if isinstance(parameter, dict) else None
        version = parameter.get("Version") if isinstance(parameter, dict) else None
        if not isinstance(value, str) or isinstance(version, bool) or not isinstance(version, int):
            raise ParameterUnavailableError(f"GetParameter {self.name} returned no value or version")
        return ParameterReading(value=value, version=version)
