"""A metric value to emit, checked against the catalogue, and the batch one event emits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bluegreen.metrics.names import CATALOGUE, Dim, Metric


class MetricShapeError(ValueError):
    """A point whose dimensions are not its metric's (a bug: the series would be a different one)."""


@dataclass(frozen=True)
class MetricPoint:
    metric: Metric
    value: float
    dimensions: Mapping[Dim, str] = field(default_factory=dict)
    """Beyond App and Environment, exactly those the catalogue names for the metric."""

    def __post_init__(self) -> None:
        expected = set(CATALOGUE[self.metric].dimensions)
        if set(self.dimensions) != expected:
            raise MetricShapeError(
                f"{self.metric.value} takes dimensions {sorted(expected)}, not {sorted(self.dimensions)}"
            )
        if any(not value for value in self.dimensions.values()):
            raise MetricShapeError(f"{self.metric.value}: empty dimension value in {dict(self.dimensions)}")

    @property
    def unit(self) -> str:
        return CATALOGUE[self.metric].unit


@dataclass(frozen=True)
class MetricBatch:
    """What one event emits for one application environment."""

    app: str
    environment: str
    points: tuple[MetricPoint, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)
    """High-cardinality context (the release id): searchable in the log, never a dimension."""


class MetricsSink(Protocol):
    """Where metrics go: CloudWatch embedded metric format on stdout (bluegreen/metrics/emf.py), or a
    recording fake in tests."""

    def emit(self, batch: MetricBatch) -> None: ...


class RecordingSink:
    """Keeps every batch (the unit tier's fake)."""

    def __init__(self) -> None:
        self.batches: list[MetricBatch] = []

    def emit(self, batch: MetricBatch) -> None:
        self.batches.append(batch)

    def values(self, metric: Metric, **dimensions: str) -> list[float]:
        return [
            point.value
            for batch in self.batches
            for point in batch.points
            if point.metric is metric
            and all(point.dimensions.get(Dim(name)) == value for name, value in dimensions.items())
        ]
