"""What every handler shares: the logger, a Runtime built once per container (or passed in), and
the translation of a dependency's failure into the workflow's error names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from aws_lambda_powertools import Logger

from bluegreen.adapters.failures import classify
from bluegreen.runtime import Runtime

logger = Logger(service="bluegreen")

P = ParamSpec("P")
R = TypeVar("R")


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


def classified_failures(handler: Callable[P, R]) -> Callable[P, R]:
    """A failed AWS, Kubernetes or network call leaves the handler as TransientError (the workflow
    retries it) or DependencyError (caught, not retried); domain errors and bugs pass unchanged."""

    @functools.wraps(handler)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        except Exception as exc:
            failure = classify(exc)
            if failure is None or failure is exc:
                raise
            logger.warning("dependency failure", extra={"error": str(failure), "code": failure.code})
            raise failure from exc

    return wrapped
