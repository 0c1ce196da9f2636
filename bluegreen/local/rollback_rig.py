"""The rollback after the workflow against real gateways: a Runtime on a moto server, a finished
release armed as Finish leaves it, and the alarm event CloudWatch sends.

Used by `make bench-rollback` and the gateway integration test (real nginx and agent); never by a
Lambda. moto has no EventBridge -> Lambda delivery, so the event is handed to the handler directly.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from bluegreen.adapters.active_color import ActiveColorStore
from bluegreen.adapters.alarms import AlarmReader
from bluegreen.adapters.gateway_acks import GatewayAckReader
from bluegreen.adapters.kube import ApiClientFactory
from bluegreen.adapters.notify import RecordingNotifier
from bluegreen.adapters.release_store import ReleaseStore
from bluegreen.colors import Color
from bluegreen.config import AppConfig
from bluegreen.local.tables import RELEASES_TABLE_SCHEMA
from bluegreen.records import LatestRelease
from bluegreen.runtime import Runtime

REGION = "us-east-1"


def rig_config(base: AppConfig, *, parameter_name: str, gateway_ids: list[str], **gateways: Any) -> AppConfig:
    """`base` pointed at this rig's parameter and gateways."""
    data = base.model_dump(mode="json", exclude_none=True)
    data["active_color_parameter"] = parameter_name
    data["gateways"] = {**data["gateways"], "ids": gateway_ids, **gateways}
    return AppConfig.model_validate(data)


def create_releases_table(endpoint_url: str, name: str) -> Any:
    dynamodb = boto3.resource("dynamodb", endpoint_url=endpoint_url, region_name=REGION)
    return dynamodb.create_table(TableName=name, **RELEASES_TABLE_SCHEMA)


def create_alarm(endpoint_url: str, name: str) -> Any:
    cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint_url, region_name=REGION)
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName=name,
        Namespace="bluegreen/local",  # any metric: the rig sets the alarm's state itself
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="rig start")
    return cloudwatch


def rig_runtime(
    config: AppConfig, *, endpoint_url: str, releases_table: str, acks_table: str, kube: ApiClientFactory
) -> Runtime:
    session = boto3.session.Session(region_name=REGION)
    dynamodb = session.resource("dynamodb", endpoint_url=endpoint_url)
    return Runtime(
        config=config,
        releases=ReleaseStore(dynamodb.Table(releases_table)),
        colors=ActiveColorStore(config.parameter_name, session.client("ssm", endpoint_url=endpoint_url)),
        alarms=AlarmReader(session.client("cloudwatch", endpoint_url=endpoint_url)),
        kube=kube,
        sfn=session.client("stepfunctions", endpoint_url=endpoint_url),
        acks=GatewayAckReader(dynamodb.Table(acks_table)),
        notifier=RecordingNotifier(),
    )


def arm_finished_release(rt: Runtime, release_id: str, before: Color, window_minutes: int = 60) -> int:
    """Leave the pointer as Finish does after a release from `before` to the colour live now;
    returns the parameter version the release 'switched' to."""
    live = rt.colors.read()
    now = rt.clock()
    config = rt.config
    rt.releases.create_record(
        release_id,
        {"app": config.app, "environment": config.environment, "version": "bench", "created_at": now},
    )
    rt.releases.update_record(
        release_id, {"outcome": "succeeded", "active_color": live.color.value}, "finished"
    )
    rt.releases.set_latest(
        rt.config.app,
        rt.config.environment,
        LatestRelease(
            release_id=release_id,
            version="bench",
            color_before=before,
            color_after=live.color,
            switch_parameter_version=live.version,
            finished_at=now,
            scale_down_after=now + timedelta(minutes=window_minutes),
        ),
    )
    return live.version


def alarm_event(cloudwatch: Any, name: str) -> dict[str, Any]:
    """The "CloudWatch Alarm State Change" event EventBridge delivers for the alarm as it is now."""
    alarm = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    return {
        "version": "0",
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "resources": [alarm["AlarmArn"]],
        "detail": {
            "alarmName": name,
            "state": {"value": alarm["StateValue"], "reason": alarm.get("StateReason", "")},
            "previousState": {"value": "OK"},
        },
    }
