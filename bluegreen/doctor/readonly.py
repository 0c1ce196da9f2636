"""Doctor never writes: every AWS call it makes is refused unless the operation only reads."""

from __future__ import annotations

from typing import Any

from bluegreen.errors import BlueGreenError

READ_ONLY_PREFIXES = ("Describe", "Get", "List", "BatchGet", "Scan", "Query")


class DoctorWriteError(BlueGreenError):
    """A check tried an AWS operation that is not read-only."""

    def __init__(self, service: str, operation: str) -> None:
        self.service = service
        self.operation = operation
        super().__init__(f"doctor only reads: {service} {operation} refused")


def is_read_only(operation: str) -> bool:
    return operation.startswith(READ_ONLY_PREFIXES)


def forbid_writes(events: Any) -> None:
    """Register on a botocore event emitter (`boto3.Session().events`), before any client is made
    from it, a hook that refuses every operation that is not read-only."""

    def refuse(model: Any, **_: Any) -> None:
        if not is_read_only(model.name):
            raise DoctorWriteError(model.service_model.service_name, model.name)

    events.register("before-call", refuse, unique_id="bluegreen-doctor-read-only")
