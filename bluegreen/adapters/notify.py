"""Release notifications. The workflow says what happened; a notifier says it somewhere.

Slack comes with the approvals work; until then every notification is a structured log line.
Notifications never carry a task token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notification:
    event: str
    release_id: str
    text: str
    fields: dict[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    def notify(self, notification: Notification) -> None: ...


class LogNotifier:
    def notify(self, notification: Notification) -> None:
        logger.info(
            notification.text,
            extra={"event": notification.event, "release_id": notification.release_id, **notification.fields},
        )


class RecordingNotifier:
    """Keeps notifications in memory (tests, the local demo)."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def notify(self, notification: Notification) -> None:
        self.sent.append(notification)
