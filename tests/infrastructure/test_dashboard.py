"""The release dashboard and the traffic sample behind it, as synthesized.

The dashboard body is checked against CloudWatch's dashboard body rules (docs.aws.amazon.com/
AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html): PutDashboard would
refuse a body that breaks them, and nothing here calls it. Every metric it graphs must be one the
code emits, with exactly the dimensions it is emitted with: CloudWatch would otherwise show an
empty graph, which no emulator notices either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bluegreen import stack_outputs
from bluegreen.colors import Color
from bluegreen.metrics.names import CATALOGUE, NAMESPACE, Metric
from bluegreen.models import Outcome
from stacks.constructs.release_dashboard import dashboard_name
from tests.infrastructure.cfn import function_by_module, of_type, one, permissions, render, role_of
from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.test_functions import LOGS, XRAY, Names

WIDGET_TYPES = {"metric", "text", "alarm", "log", "explorer", "custom"}
VIEWS = {"timeSeries", "singleValue", "gauge", "bar", "pie", "table"}
RENDERING_OPTIONS = {"accountId", "color", "id", "label", "period", "region", "stat", "visible", "yAxis"}
STAT = re.compile(
    r"^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?|p100|(tm|wm|tc|ts|pr)\d{1,2})$"
)
ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")
EXPRESSION_NAME = re.compile(r"\b[a-z][A-Za-z0-9_]*\b")
MATH_WORDS = {"if", "and", "or", "not"}


@pytest.fixture(scope="module")
def body(synthesized: Synthesized) -> dict[str, Any]:
    _, dashboard = one(synthesized.resources, "AWS::CloudWatch::Dashboard")
    assert dashboard["Properties"]["DashboardName"] == dashboard_name(synthesized.config)
    parsed: dict[str, Any] = json.loads(render(dashboard["Properties"]["DashboardBody"]))
    return parsed


def metric_widgets(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (w["properties"] for w in body["widgets"] if w["type"] == "metric")


def rows(properties: dict[str, Any]) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """(the metric's strings, its rendering options) for every metric row (not expressions)."""
    for row in properties["metrics"]:
        options = row[-1] if isinstance(row[-1], dict) else {}
        strings = [part for part in row if isinstance(part, str)]
        if strings:
            yield strings, options


def dimensions_of(strings: list[str]) -> dict[str, str]:
    return dict(zip(strings[2::2], strings[3::2], strict=True))


def by_title(body: dict[str, Any], fragment: str) -> list[dict[str, Any]]:
    return [w["properties"] for w in body["widgets"] if fragment in w["properties"].get("title", "")]


# -- CloudWatch's rules for a dashboard body -----------------------------------------------------------


def test_the_body_follows_cloudwatchs_dashboard_rules(body: dict[str, Any]) -> None:
    widgets = body["widgets"]
    assert 0 < len(widgets) <= 100
    for widget in widgets:
        assert widget["type"] in WIDGET_TYPES
        assert 1 <= widget["width"] <= 24
        assert 1 <= widget["height"] <= 1000
        assert 0 <= widget["x"] <= 23
        assert widget["x"] + widget["width"] <= 24, widget
        assert widget["y"] >= 0
        assert isinstance(widget["properties"], dict)
        if widget["type"] == "text":
            assert widget["properties"]["markdown"].strip()
        if widget["type"] == "alarm":
            assert 1 <= len(widget["properties"]["alarms"]) <= 100
            assert all(":alarm:" in arn or arn.endswith(".Arn>") for arn in widget["properties"]["alarms"])


def test_every_metric_widget_is_well_formed(body: dict[str, Any]) -> None:
    for properties in metric_widgets(body):
        assert properties["region"] == "<AWS::Region>"
        assert 1 <= len(properties["metrics"]) <= 100
        assert properties.get("view", "timeSeries") in VIEWS
        period = properties.get("period", 300)
        assert period in (1, 5, 10, 30) or period % 60 == 0, properties
        ids: set[str] = set()
        expressions: list[str] = []
        for row in properties["metrics"]:
            options = row[-1] if isinstance(row[-1], dict) else {}
            if "expression" in options:
                expressions.append(options["expression"])
                assert set(options) <= {"expression", "id", "label", "period", "visible", "yAxis", "color"}
            else:
                strings = row[:-1] if isinstance(row[-1], dict) else row
                assert all(isinstance(part, str) for part in strings), row
                assert len(strings) >= 2
                assert len(strings) % 2 == 0, f"dimension names and values come in pairs: {row}"
                assert set(options) <= RENDERING_OPTIONS, options
                if "stat" in options:
                    assert STAT.match(options["stat"]), options
                if "period" in options:
                    assert options["period"] % 60 == 0
            if "id" in options:
                assert ID.match(options["id"]), options
                assert options["id"] not in ids
                ids.add(options["id"])
        for expression in expressions:
            names = set(EXPRESSION_NAME.findall(expression)) - MATH_WORDS
            assert names <= ids, f"{expression} uses ids that are not in the widget ({sorted(ids)})"


def test_every_graphed_metric_is_one_the_code_emits_with_exactly_its_dimensions(
    body: dict[str, Any], synthesized: Synthesized
) -> None:
    config = synthesized.config
    graphed = 0
    for properties in metric_widgets(body):
        for strings, _ in rows(properties):
            namespace, name = strings[0], strings[1]
            dimensions = dimensions_of(strings)
            assert namespace == NAMESPACE
            spec = CATALOGUE[Metric(name)]
            assert set(dimensions) == {d.value for d in spec.all_dimensions}, (name, dimensions)
            assert (dimensions["App"], dimensions["Environment"]) == (config.app, config.environment)
            graphed += 1
    assert graphed > 0


# -- what people find on it ------------------------------------------------------------------------


@pytest.mark.parametrize("days", [7, 30])
def test_the_four_delivery_figures_over_7_and_30_days(body: dict[str, Any], days: int) -> None:
    figures = [
        w["properties"]
        for w in body["widgets"]
        if w["type"] == "metric" and w["properties"].get("start") == f"-P{days}D"
    ]
    titles = sorted(p["title"].split(",")[0] for p in figures)
    assert titles == [
        "Change failure rate",
        "Lead time (median)",
        "Release frequency",
        "Time to restore (median)",
    ]
    for properties in figures:
        assert properties["view"] == "singleValue"
        assert properties["setPeriodToTimeRange"] is True
        assert properties["period"] == days * 86400
    (rate,) = [p for p in figures if p["title"].startswith("Change failure rate")]
    used = {(s[1], o.get("stat")) for s, o in rows(rate)}
    assert used == {("ChangeFailed", "Sum"), ("WentLive", "Sum")}
    expression = next(row[-1]["expression"] for row in rate["metrics"] if "expression" in row[-1])
    ids = {o["id"]: s[1] for s, o in rows(rate)}
    assert expression == "100 * failed / live"
    assert ids == {"failed": "ChangeFailed", "live": "WentLive"}


def test_active_colour_outcomes_and_phases_are_graphed(body: dict[str, Any]) -> None:
    (active,) = by_title(body, "Active colour")
    assert {dimensions_of(s)["Color"] for s, _ in rows(active)} == {c.value for c in Color}
    (outcomes,) = by_title(body, "Releases and outcomes")
    graphed = {dimensions_of(s).get("Outcome") for s, _ in rows(outcomes)}
    assert {o.value for o in Outcome} <= graphed
    (phases,) = by_title(body, "Time in each phase")
    assert {dimensions_of(s)["Phase"] for s, _ in rows(phases)} == {
        "deploy",
        "rollout",
        "smoke",
        "approval_wait",
        "switch_propagation",
        "bake",
    }


def test_each_colours_alarms_and_every_gateway_are_on_it(
    body: dict[str, Any], synthesized: Synthesized
) -> None:
    resources = synthesized.resources
    alarm_ids = {
        resource["Properties"]["AlarmName"]: logical_id
        for logical_id, resource in {
            **of_type(resources, "AWS::CloudWatch::Alarm"),
            **of_type(resources, "AWS::CloudWatch::CompositeAlarm"),
        }.items()
    }
    for color in Color:
        (widget,) = [
            w["properties"]
            for w in body["widgets"]
            if w["properties"].get("title") == f"Alarms of {color.value}"
        ]
        shown = set(widget["alarms"])
        expected = {f"<{i}.Arn>" for name, i in alarm_ids.items() if f"-{color.value}-" in name}
        assert shown == expected
        assert f"<{alarm_ids[f'bluegreen-myapp-prod-{color.value}-release-health']}.Arn>" in shown
    (shared,) = by_title(body, "whichever colour is live")
    assert [a.rsplit(":", 1)[-1] for a in shared["alarms"]] == synthesized.config.alarms.names
    (heartbeats,) = by_title(body, "heartbeat age")
    assert [dimensions_of(s)["Gateway"] for s, _ in rows(heartbeats)] == synthesized.config.gateways.ids
    assert heartbeats["annotations"]["horizontal"][0]["value"] == synthesized.config.gateways.liveness_seconds


# -- the traffic sample ------------------------------------------------------------------------------


def test_the_sample_runs_every_minute_and_may_read_only_the_parameter_and_the_acks(
    synthesized: Synthesized,
) -> None:
    resources = synthesized.resources
    function_id, function = function_by_module(resources, "sample_traffic")
    schedules = [
        r["Properties"]
        for r in of_type(resources, "AWS::Events::Rule").values()
        if [render(t["Arn"]) for t in r["Properties"].get("Targets", [])] == [f"<{function_id}.Arn>"]
    ]
    assert [s["ScheduleExpression"] for s in schedules] == ["rate(1 minute)"]
    allowed = permissions(resources, role_of(function))
    for action in (*LOGS, *XRAY):
        allowed.pop(action)
    names = Names(synthesized)
    assert allowed == {"ssm:GetParameter": {names.parameter}, "dynamodb:Scan": {names.acks}}
    assert "VpcConfig" not in function["Properties"]


def test_operators_find_the_dashboard_in_the_outputs(synthesized: Synthesized) -> None:
    dashboard_id, _ = one(synthesized.resources, "AWS::CloudWatch::Dashboard")
    assert synthesized.outputs[stack_outputs.DASHBOARD_NAME]["Value"] == {"Ref": dashboard_id}
