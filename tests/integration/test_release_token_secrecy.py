"""The approval's task token never leaves AWS: not in a log line, not in a notification, not in the
release record once decided."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.integration.release_world import release_world


def test_task_token_appears_in_no_log_line_notification_or_record(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # INFO is what the functions log at. (botocore's DEBUG wire logging prints every request's
    # parameters, secrets included: it must never be switched on in the functions.)
    caplog.set_level(logging.INFO)
    tokens: list[str] = []

    def keep_token(function: str, event: dict[str, Any]) -> None:
        if function == "RequestApproval":
            tokens.append(event["task_token"])

    with release_world() as world:
        world.workflow.on_invoke = keep_token
        release_id, execution = world.release("v2")
        assert execution["status"] == "SUCCEEDED"
        (token,) = tokens
        assert len(token) > 20
        record = world.workflow.record(release_id)
        notifications = [f"{n.text} {n.fields}" for n in world.workflow.aws.notifier.sent]

    captured = capsys.readouterr()
    assert token not in captured.out
    assert token not in captured.err
    assert all(token not in r.getMessage() and token not in str(r.__dict__) for r in caplog.records)
    assert all(token not in text for text in notifications)
    assert token not in json.dumps(record)
