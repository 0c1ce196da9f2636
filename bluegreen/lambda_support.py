"""What every handler shares: the logger, and a Runtime built once per container (or passed in)."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from bluegreen.runtime import Runtime

logger = Logger(service="bluegreen")


class RuntimeHolder:
    """Builds the Runtime on first use and keeps it for the container's life."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None

    def get(self, given: Runtime | None = None) -> Runtime:
        if given is not None:
            return given
        if self._runtime is None:
            self._runtime = Runtime.from_environment()
        return self._runtime
