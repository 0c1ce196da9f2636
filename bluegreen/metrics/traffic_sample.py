"""Once a minute (the SampleTraffic schedule): which colour is live, and how each gateway is doing.

Nothing in a release happens every minute, so a dashboard fed only by the release steps could not
draw the active colour over time or notice a gateway that stopped heartbeating between releases.
This sample reads the parameter once and the acknowledgements once (a GetParameter and a Scan a
minute: nothing next to the gateways' own polling) and emits the result as EMF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bluegreen.colors import Color
from bluegreen.metrics.names import Dim, Metric
from bluegreen.metrics.points import MetricBatch, MetricPoint

if TYPE_CHECKING:
    from bluegreen.runtime import Runtime


@dataclass(frozen=True)
class TrafficSample:
    color: Color
    parameter_version: int
    live: list[str] = field(default_factory=list)
    lagging: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    """Configured gateways with no heartbeat within the liveness window (or none at all)."""


def sample_traffic(rt: Runtime) -> TrafficSample:
    config = rt.config
    current = rt.colors.read()
    now = rt.clock()
    acks = {ack.gateway_id: ack for ack in rt.require_acks().all()}
    points = [
        MetricPoint(Metric.ACTIVE_COLOR, 1 if color is current.color else 0, {Dim.COLOR: color.value})
        for color in Color
    ]
    live: list[str] = []
    lagging: list[str] = []
    silent: list[str] = []
    for gateway_id in config.gateways.ids:  # only configured ids: the dimension stays bounded
        ack = acks.get(gateway_id)
        if ack is None or ack.heartbeat_at is None:
            silent.append(gateway_id)
            continue
        age = max((now - ack.heartbeat_at).total_seconds(), 0.0)
        points.append(MetricPoint(Metric.GATEWAY_HEARTBEAT_AGE, age, {Dim.GATEWAY: gateway_id}))
        if age > config.gateways.liveness_seconds:
            silent.append(gateway_id)
            continue
        live.append(gateway_id)
        serves = (
            ack.color == current.color.value
            and ack.parameter_version is not None
            and ack.parameter_version >= current.version
        )
        if not serves:
            lagging.append(gateway_id)
    points += [
        MetricPoint(Metric.LIVE_GATEWAYS, len(live)),
        MetricPoint(Metric.LAGGING_GATEWAYS, len(lagging)),
    ]
    rt.metrics.emit(MetricBatch(config.app, config.environment, tuple(points)))
    return TrafficSample(current.color, current.version, live, lagging, silent)
