"""Whether the gateways serve the colour the parameter says: a pure function of their acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bluegreen.adapters.gateway_acks import GatewayAck
from bluegreen.colors import Color
from bluegreen.models import GatewayView


@dataclass(frozen=True)
class Confirmation:
    confirmed: bool
    views: list[GatewayView]
    reason: str


def evaluate_confirmation(
    acks: list[GatewayAck],
    *,
    target: Color,
    version: int,
    now: datetime,
    liveness_seconds: int,
    min_live: int,
) -> Confirmation:
    """Confirmed when at least `min_live` gateways are live and every live one serves `target` at
    parameter version `version` or later. No live gateway is never a vacuous success."""
    views: list[GatewayView] = []
    for ack in sorted(acks, key=lambda a: a.gateway_id):
        live = ack.heartbeat_at is not None and now - ack.heartbeat_at <= timedelta(seconds=liveness_seconds)
        views.append(
            GatewayView(
                gateway_id=ack.gateway_id,
                color=ack.color,
                parameter_version=ack.parameter_version,
                live=live,
                error=ack.error,
            )
        )
    live_views = [v for v in views if v.live]
    lagging = [
        v
        for v in live_views
        if v.color != target.value or v.parameter_version is None or v.parameter_version < version
    ]
    if len(live_views) < min_live:
        return Confirmation(
            False,
            views,
            f"{len(live_views)} live gateway(s), at least {min_live} required (heartbeat within "
            f"{liveness_seconds}s)",
        )
    if lagging:
        held = ", ".join(f"{v.gateway_id} holds {v.color} v{v.parameter_version}" for v in lagging)
        return Confirmation(False, views, f"waiting for {target.value} v{version}: {held}")
    return Confirmation(True, views, f"{len(live_views)} live gateway(s) serve {target.value} v{version}")
