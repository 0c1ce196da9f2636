"""Rollback after the workflow: the release-health alarms per colour, the alarm -> AlarmRollback rule,
the scale-down schedule, and what each of the two functions may do."""

from __future__ import annotations

from typing import Any

from bluegreen.colors import Color
from stacks.constructs.rollback_events import notifier_secret_name
from tests.infrastructure.cfn import function_by_module, of_type, permissions, render, role_of
from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.test_functions import ENI, LOGS, XRAY, Names, arn

HEALTH = "bluegreen-myapp-prod-{color}-release-health"


def _alarms(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in of_type(synthesized.resources, "AWS::CloudWatch::Alarm").values()
    }


def _own_permissions(synthesized: Synthesized, module: str) -> dict[str, set[str]]:
    """The function's permissions without logs, X-Ray and its ENIs (checked for every function)."""
    _, function = function_by_module(synthesized.resources, module)
    allowed = permissions(synthesized.resources, role_of(function))
    for action in (*LOGS, *XRAY, *ENI):
        allowed.pop(action, None)
    return allowed


def test_each_colour_has_alb_and_payment_alarms_on_its_own_alb_and_series(synthesized: Synthesized) -> None:
    config = synthesized.config
    alarms = _alarms(synthesized)
    for color in Color:
        load_balancer = config.alarms.load_balancers.of(color)
        rate = alarms[f"bluegreen-myapp-prod-{color.value}-alb-5xx-rate"]
        assert rate["Threshold"] == config.alarms.alb_5xx_rate_percent
        dimensions = [
            d
            for query in rate["Metrics"]
            if "MetricStat" in query
            for d in query["MetricStat"]["Metric"]["Dimensions"]
        ]
        assert {d["Value"] for d in dimensions} == {load_balancer}
        assert {q["MetricStat"]["Metric"]["MetricName"] for q in rate["Metrics"] if "MetricStat" in q} == {
            "HTTPCode_Target_5XX_Count",
            "RequestCount",
        }
        p99 = alarms[f"bluegreen-myapp-prod-{color.value}-alb-p99-response-time"]
        assert p99["ExtendedStatistic"] == "p99"
        assert p99["MetricName"] == "TargetResponseTime"
        assert p99["Dimensions"] == [{"Name": "LoadBalancer", "Value": load_balancer}]
        assert p99["Threshold"] == config.alarms.p99_response_seconds
        payment = alarms[f"bluegreen-myapp-prod-{color.value}-payment-failures"]
        assert payment["MetricName"] == config.alarms.payment_metric.name
        assert payment["Namespace"] == config.alarms.payment_metric.namespace_for(config.app)
        assert payment["Dimensions"] == [{"Name": "Color", "Value": color.value}]


def test_a_composite_release_health_alarm_per_colour_fires_on_any_of_its_alarms(
    synthesized: Synthesized,
) -> None:
    composites = {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in of_type(synthesized.resources, "AWS::CloudWatch::CompositeAlarm").values()
    }
    assert set(composites) == {HEALTH.format(color=c.value) for c in Color}
    for color in Color:
        rule = render(composites[HEALTH.format(color=color.value)]["AlarmRule"])
        assert rule.count("ALARM(") == 3
        assert " OR " in rule
        assert f"{color.value}-" not in rule.replace(color.value, "")  # only this colour's alarms


def test_alarm_state_changes_to_alarm_invoke_the_rollback_function(synthesized: Synthesized) -> None:
    resources = synthesized.resources
    rollback_id, _ = function_by_module(resources, "alarm_rollback")
    rules = [
        r["Properties"]
        for r in of_type(resources, "AWS::Events::Rule").values()
        if r["Properties"].get("EventPattern", {}).get("source") == ["aws.cloudwatch"]
    ]
    assert len(rules) == 1
    pattern = rules[0]["EventPattern"]
    assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]
    assert pattern["detail"]["state"] == {"value": ["ALARM"]}
    assert set(pattern["detail"]["alarmName"]) == {
        *synthesized.config.alarms.names,
        *(HEALTH.format(color=c.value) for c in Color),
    }
    assert [render(t["Arn"]) for t in rules[0]["Targets"]] == [f"<{rollback_id}.Arn>"]


def test_the_old_colour_is_scaled_down_by_a_schedule(synthesized: Synthesized) -> None:
    resources = synthesized.resources
    scale_down_id, _ = function_by_module(resources, "scale_down")
    schedules = [
        r["Properties"]
        for r in of_type(resources, "AWS::Events::Rule").values()
        if "ScheduleExpression" in r["Properties"]
        and [render(t["Arn"]) for t in r["Properties"]["Targets"]] == [f"<{scale_down_id}.Arn>"]
    ]
    assert [s["ScheduleExpression"] for s in schedules] == [
        f"rate({synthesized.config.rollback.scale_down_check_minutes} minutes)"
    ]


def test_rollback_function_may_flip_the_parameter_and_only_view_the_cluster(synthesized: Synthesized) -> None:
    n = Names(synthesized)
    lock_and_record = {
        f"dynamodb:{a}": {n.releases} for a in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")
    }
    secret = notifier_secret_name(synthesized.config)
    slack = (
        {"secretsmanager:GetSecretValue": {arn("secretsmanager", f"secret:{secret}-??????")}}
        if secret
        else {}
    )
    assert _own_permissions(synthesized, "alarm_rollback") == {
        **slack,
        **lock_and_record,
        "dynamodb:Scan": {n.acks},
        "ssm:GetParameter": {n.parameter},
        "ssm:PutParameter": {n.parameter},
        # composite alarms (each colour's release health) are described only on '*'
        "cloudwatch:DescribeAlarms": {"*"},
        "eks:DescribeCluster": {n.cluster},
        # a lock held by an execution that no longer runs may be taken over
        "states:DescribeExecution": {n.executions},
        # `rollback --to` finds the newest release on a colour
        "dynamodb:Query": {f"{n.releases}/index/History"},
    }
    assert _own_permissions(synthesized, "scale_down") == {
        **slack,
        **lock_and_record,
        "ssm:GetParameter": {n.parameter},
        "eks:DescribeCluster": {n.cluster},
        "states:DescribeExecution": {n.executions},
    }
    # and in the cluster: the rollback views, the scale-down edits, both in blue and green only
    entries = {
        render(e["Properties"]["PrincipalArn"]): e["Properties"]
        for e in of_type(synthesized.resources, "AWS::EKS::AccessEntry").values()
    }
    for module, policy in (("alarm_rollback", "AmazonEKSViewPolicy"), ("scale_down", "AmazonEKSEditPolicy")):
        role = role_of(function_by_module(synthesized.resources, module)[1])
        (access,) = entries[f"<{role}.Arn>"]["AccessPolicies"]
        assert render(access["PolicyArn"]).endswith(f"/{policy}")
        assert access["AccessScope"] == {"Type": "namespace", "Namespaces": ["blue", "green"]}


def test_rollback_waits_for_the_gateways_within_its_timeout(synthesized: Synthesized) -> None:
    _, function = function_by_module(synthesized.resources, "alarm_rollback")
    assert function["Properties"]["Timeout"] > synthesized.config.gateways.confirm_timeout_seconds
    assert "ACKS_TABLE" in function["Properties"]["Environment"]["Variables"]


def test_the_cli_finds_the_rollback_function_in_the_outputs(synthesized: Synthesized) -> None:
    rollback_id, _ = function_by_module(synthesized.resources, "alarm_rollback")
    assert render(synthesized.outputs["RollbackFunctionName"]["Value"]) == f"<{rollback_id}>"
