"""CloudWatch embedded metric format through Powertools Metrics: one JSON document per dimension set,
printed to stdout. In Lambda, stdout is the function's log, and CloudWatch Logs turns each document
into metric data: no PutMetricData call, no extra permission, nothing to fail a release. Local runs
write the same documents to a file instead.

A fresh `AmazonCloudWatchEMFProvider` per document keeps one invocation's metrics apart from
another's (the `Metrics` class shares its metric set between instances), and `service=""` keeps
Powertools from adding a `service` dimension the catalogue does not name.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Callable

from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

from bluegreen.metrics.names import NAMESPACE, Dim
from bluegreen.metrics.points import MetricBatch, MetricPoint


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")  # one write: lines from concurrent invocations never interleave
    sys.stdout.flush()


class EmfSink:
    """Writes each batch as EMF documents, one JSON line each: on stdout by default (as Powertools'
    `flush_metrics` does); `POWERTOOLS_METRICS_DISABLED` turns it off, as it does Powertools'."""

    def __init__(self, namespace: str = NAMESPACE, write: Callable[[str], None] = _print) -> None:
        self.namespace = namespace
        self._write = write

    def emit(self, batch: MetricBatch) -> None:
        if is_metrics_disabled():
            return
        groups: dict[tuple[tuple[Dim, str], ...], list[MetricPoint]] = defaultdict(list)
        for point in batch.points:
            groups[tuple(sorted(point.dimensions.items()))].append(point)
        for dimensions, points in groups.items():
            provider = AmazonCloudWatchEMFProvider(namespace=self.namespace, service="")
            provider.add_dimension(Dim.APP.value, batch.app)
            provider.add_dimension(Dim.ENVIRONMENT.value, batch.environment)
            for name, value in dimensions:
                provider.add_dimension(name.value, value)
            for point in points:
                provider.add_metric(name=point.metric.value, unit=point.unit, value=point.value)
            for key, text in batch.metadata.items():
                provider.add_metadata(key, text)
            self._write(json.dumps(provider.serialize_metric_set(), separators=(",", ":")))
