"""Read captured stdout as CloudWatch does: every embedded-metric-format document, checked against the
EMF specification (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html) and against bluegreen's metric catalogue.

A document CloudWatch would reject (a dimension or metric not in the root, more than 30 dimensions
in a set, more than 100 metrics or values, an unknown unit) fails here instead of silently yielding
no metric in AWS; so does a metric whose dimension set or unit differs from its catalogue entry
(the dashboard would graph a series that never receives data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from numbers import Number
from typing import Any

from bluegreen.metrics.names import CATALOGUE, NAMESPACE, Metric

UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
    "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
    "Count/Second", "None",
}  # fmt: skip
MAX_DIMENSIONS_PER_SET = 30
MAX_METRICS_PER_DIRECTIVE = 100
MAX_VALUES_PER_METRIC = 100


@dataclass(frozen=True)
class Emitted:
    """One metric of one EMF document."""

    name: str
    dimensions: dict[str, str]
    values: list[float]
    unit: str
    metadata: dict[str, Any]


def _check_document(document: dict[str, Any]) -> list[Emitted]:
    meta = document["_aws"]
    assert isinstance(meta["Timestamp"], int), meta
    assert not isinstance(meta["Timestamp"], bool), meta
    directives = meta["CloudWatchMetrics"]
    assert isinstance(directives, list), meta
    assert directives, meta
    emitted: list[Emitted] = []
    used: set[str] = {"_aws"}
    for directive in directives:
        namespace = directive["Namespace"]
        assert isinstance(namespace, str), namespace
        assert 1 <= len(namespace) <= 255, namespace
        assert namespace == NAMESPACE
        dimension_sets = directive["Dimensions"]
        assert isinstance(dimension_sets, list), directive
        assert dimension_sets, directive
        for dimension_set in dimension_sets:
            assert len(dimension_set) <= MAX_DIMENSIONS_PER_SET, dimension_set
            for name in dimension_set:
                assert isinstance(document.get(name), str), f"dimension {name} must be a string member"
                assert 1 <= len(document[name]) <= 1024, name
                used.add(name)
        metrics = directive["Metrics"]
        assert 1 <= len(metrics) <= MAX_METRICS_PER_DIRECTIVE, directive
        for definition in metrics:
            name, unit = definition["Name"], definition.get("Unit", "None")
            assert unit in UNITS, unit
            assert definition.get("StorageResolution", 60) in (1, 60), definition
            raw = document[name]
            values = raw if isinstance(raw, list) else [raw]
            assert 1 <= len(values) <= MAX_VALUES_PER_METRIC, name
            assert all(isinstance(v, Number) and not isinstance(v, bool) for v in values), raw
            used.add(name)
            for dimension_set in dimension_sets:
                emitted.append(
                    Emitted(
                        name,
                        {d: document[d] for d in dimension_set},
                        [float(v) for v in values],
                        unit,
                        {},
                    )
                )
    metadata = {k: v for k, v in document.items() if k not in used}
    return [Emitted(e.name, e.dimensions, e.values, e.unit, metadata) for e in emitted]


def _check_catalogue(emitted: Emitted) -> None:
    spec = CATALOGUE[Metric(emitted.name)]
    assert set(emitted.dimensions) == {d.value for d in spec.all_dimensions}, emitted
    assert emitted.unit == spec.unit, emitted


def emf_metrics(captured: str) -> list[Emitted]:
    """Every metric in the EMF documents among `captured` lines (other log lines are skipped)."""
    found: list[Emitted] = []
    for line in captured.splitlines():
        line = line.strip()
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        if not isinstance(document.get("_aws"), dict) or "CloudWatchMetrics" not in document["_aws"]:
            continue
        for emitted in _check_document(document):
            _check_catalogue(emitted)
            found.append(emitted)
    return found


def of_release(metrics: list[Emitted], release_id: str) -> list[Emitted]:
    return [m for m in metrics if m.metadata.get("release_id") == release_id]


def values(metrics: list[Emitted], name: Metric, **dimensions: str) -> list[float]:
    return [
        v
        for m in metrics
        if m.name == name.value and all(m.dimensions.get(k) == d for k, d in dimensions.items())
        for v in m.values
    ]
