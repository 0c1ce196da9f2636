"""The release record's opening fields, written by Prepare and restored by the endings when the
record was deleted during the release."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bluegreen.models import ReleaseContext


def record_fields(context: ReleaseContext, now: datetime | None = None) -> dict[str, Any]:
    return {
        "app": context.app,
        "environment": context.environment,
        "execution_arn": context.execution_arn,
        "status": "RUNNING",
        "version": context.version,
        "images": {s.name: s.image for s in context.services if s.image},
        "triggered_by": context.triggered_by,
        "change_ref": context.change_ref,
        "commit_time": context.commit_time,
        "colors": {"before": context.active_color.value, "target": context.idle_color.value},
        "parameter_versions": {"before": context.parameter_version},
        "created_at": context.started_at or now,
    }
