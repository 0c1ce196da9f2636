"""Kubernetes API errors as the real apiserver reports them: a ``Status`` object with an HTTP code."""

from __future__ import annotations

from typing import Any


class KubeApiError(Exception):
    """An API failure that the server turns into a ``Status`` response body."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            status["details"] = self.details
        return status


def _details(name: str, group: str, kind: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": kind}
    if group:
        details["group"] = group
    return details


def _qualified(plural: str, group: str) -> str:
    return f"{plural}.{group}" if group else plural


def not_found(plural: str, group: str, name: str) -> KubeApiError:
    return KubeApiError(
        404, "NotFound", f'{_qualified(plural, group)} "{name}" not found', _details(name, group, plural)
    )


def already_exists(plural: str, group: str, name: str) -> KubeApiError:
    return KubeApiError(
        409,
        "AlreadyExists",
        f'{_qualified(plural, group)} "{name}" already exists',
        _details(name, group, plural),
    )


def conflict(plural: str, group: str, name: str, why: str) -> KubeApiError:
    message = f'Operation cannot be fulfilled on {_qualified(plural, group)} "{name}": {why}'
    return KubeApiError(409, "Conflict", message, _details(name, group, plural))


STALE_OBJECT = "the object has been modified; please apply your changes to the latest version and try again"


def invalid(kind: str, group: str, name: str, causes: list[tuple[str, str]]) -> KubeApiError:
    """422 Invalid; ``causes`` are (field path, problem) pairs such as ("metadata.name", "Required value")."""
    summary = ", ".join(f"{field}: {problem}" for field, problem in causes)
    details = _details(name, group, kind)
    details["causes"] = [
        {"reason": _cause_reason(problem), "message": problem, "field": field} for field, problem in causes
    ]
    return KubeApiError(422, "Invalid", f'{_qualified(kind, group)} "{name}" is invalid: {summary}', details)


def _cause_reason(problem: str) -> str:
    if problem.startswith("Required value"):
        return "FieldValueRequired"
    if problem.startswith("Unsupported value"):
        return "FieldValueNotSupported"
    if problem.startswith("Forbidden"):
        return "FieldValueForbidden"
    return "FieldValueInvalid"


def unprocessable(message: str) -> KubeApiError:
    """422 for a patch that decodes but cannot be applied (a failing JSON-patch ``test``, a bad path)."""
    return KubeApiError(422, "Invalid", message)


def bad_request(message: str) -> KubeApiError:
    return KubeApiError(400, "BadRequest", message)


def method_not_allowed(
    message: str = "the server does not allow this method on the requested resource",
) -> KubeApiError:
    return KubeApiError(405, "MethodNotAllowed", message)


def unsupported_media_type(content_type: str) -> KubeApiError:
    return KubeApiError(
        415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {content_type}"
    )


def path_not_found(path: str) -> KubeApiError:
    return KubeApiError(404, "NotFound", "the server could not find the requested resource", {"name": path})
