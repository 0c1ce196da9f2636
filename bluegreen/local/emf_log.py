"""The metrics of a local run: the EMF documents the handlers wrote (as CloudWatch Logs would receive
them from Lambda), kept in memory and appended to a file, and summed up for a person to read."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from bluegreen.metrics.emf import EmfSink
from bluegreen.metrics.names import BASE_DIMENSIONS


class EmfLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.lines: list[str] = []
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")

    def write(self, line: str) -> None:
        self.lines.append(line)
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")

    def sink(self) -> EmfSink:
        return EmfSink(write=self.write)

    def summary(self) -> list[str]:
        """`Metric{dimension=value} unit: values`, one line per series, in the order first emitted."""
        base = {d.value for d in BASE_DIMENSIONS}
        series: dict[str, list[float]] = defaultdict(list)
        for line in self.lines:
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                dimensions = [d for d in directive["Dimensions"][0] if d not in base]
                labels = ",".join(f"{d}={document[d]}" for d in dimensions)
                for metric in directive["Metrics"]:
                    name = metric["Name"] + (f"{{{labels}}}" if labels else "")
                    unit = metric.get("Unit", "")
                    raw = document[metric["Name"]]
                    series[f"{name} ({unit})"] += raw if isinstance(raw, list) else [raw]
        return [f"{name}: {', '.join(f'{v:g}' for v in values)}" for name, values in series.items()]
