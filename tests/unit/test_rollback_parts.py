"""The pure parts of the rollback after the workflow: what triggers it and who holds the lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bluegreen.adapters.release_store import pseudo_holder, pseudo_holder_alive
from bluegreen.colors import Color
from bluegreen.config import AlarmsConfig
from lambdas.alarm_rollback import parse_request

NOW = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)


def test_an_alarm_event_becomes_a_request_naming_the_alarm_and_why() -> None:
    request = parse_request(
        {
            "source": "aws.cloudwatch",
            "detail-type": "CloudWatch Alarm State Change",
            "detail": {"alarmName": "pay", "state": {"value": "ALARM", "reason": "Threshold Crossed"}},
        }
    )
    assert request.source == "alarm"
    assert request.describe() == "alarm pay is ALARM (Threshold Crossed)"


def test_a_manual_request_needs_someone_to_ask() -> None:
    request = parse_request({"manual": {"requested_by": "alice", "reason": "checkout errors"}})
    assert request.describe() == "requested by alice: checkout errors"
    with pytest.raises(ValidationError):
        parse_request({"manual": {"requested_by": ""}})


def test_a_pseudo_lock_holder_is_unique_and_expires_so_a_crash_cannot_block_releases() -> None:
    first, second = pseudo_holder("rollback", "r1", NOW), pseudo_holder("rollback", "r1", NOW)
    assert first != second
    assert pseudo_holder_alive(first, NOW + timedelta(seconds=60)) is True
    assert pseudo_holder_alive(first, NOW + timedelta(minutes=6)) is False
    assert pseudo_holder_alive("arn:aws:states:us-east-1:1:execution:sm:x", NOW) is None


def test_only_the_live_colours_health_alarm_and_the_shared_alarms_roll_back() -> None:
    alarms = AlarmsConfig(names=["myapp-prod-5xx"])
    assert alarms.rollback_alarm_names("myapp", "prod", Color.GREEN) == [
        "myapp-prod-5xx",
        "bluegreen-myapp-prod-green-release-health",
    ]
