"""AlarmRollback: a CloudWatch alarm state change (EventBridge) or a person (the CLI) -> rollback
of the latest finished release, while its rollback window is open."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from bluegreen.colors import Color
from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.release.auto_rollback import RollbackRequest, roll_back_live
from bluegreen.release.manual_rollback import roll_back_to
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class AlarmState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    value: str
    reason: str | None = None


class AlarmDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    alarmName: str
    state: AlarmState


class AlarmEvent(BaseModel):
    """The part of a "CloudWatch Alarm State Change" event that matters."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    detail_type: str = Field(alias="detail-type")
    detail: AlarmDetail


class ManualRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requested_by: str = Field(min_length=1)
    reason: str | None = None
    to: Color | None = None
    """Put traffic on this colour, whatever the last release did (`bluegreen rollback --to`)."""
    expected_version: int | None = None
    """With `to`: only if the parameter still holds this version (what the operator saw)."""


class ManualEvent(BaseModel):
    manual: ManualRequest


def parse_request(event: dict[str, Any]) -> RollbackRequest:
    if "manual" in event:
        manual = ManualEvent.model_validate(event).manual
        return RollbackRequest(source="manual", requested_by=manual.requested_by, reason=manual.reason)
    alarm = AlarmEvent.model_validate(event).detail
    return RollbackRequest(
        source="alarm",
        alarm_name=alarm.alarmName,
        alarm_state=alarm.state.value,
        alarm_reason=alarm.state.reason,
    )


@logger.inject_lambda_context(log_event=False)
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    manual = ManualEvent.model_validate(event).manual if "manual" in event else None
    if manual is not None and manual.to is not None:
        outcome = roll_back_to(
            manual.to, manual.requested_by, manual.reason, manual.expected_version, runtime.get(rt)
        )
    else:
        outcome = roll_back_live(parse_request(event), runtime.get(rt))
    logger.info(
        "rollback after release",
        extra={"status": outcome.status.value, "release_id": outcome.release_id, "reason": outcome.message},
    )
    return outcome.model_dump(mode="json")
