"""Errors of the smoke package.

They do not derive from `BlueGreenError` on purpose: they never leave `run_suite` (which turns
them into report entries), so they are not part of the workflow's `ErrorEquals` contract.
"""

from __future__ import annotations


class SmokeError(Exception):
    """Base class for the smoke package's errors."""


class TemplateSyntaxError(SmokeError, ValueError):
    """A `{{ ... }}` placeholder is malformed (a ValueError, so pydantic reports it per field)."""

    def __init__(self, text: str, problem: str) -> None:
        self.text = text
        self.problem = problem
        super().__init__(f"{problem} in {text!r}")


class TemplateValueError(SmokeError):
    """A placeholder refers to a value that is not available at run time."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"no value for {{{{ {reference} }}}}")


class SecretUnavailableError(SmokeError):
    """A secret could not be read. Carries the secret's name and why, never its value."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"secret {name!r} is unavailable: {reason}")
