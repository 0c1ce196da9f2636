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

    @property
    def live(self) -> list[GatewayView]:
        return [v for v in self.views if v.live]

    def lagging(self, target: Color, version: int) -> list[GatewayView]:
        """Live gateways that do not (yet) serve `target` at `version` or later."""
        return [v for v in self.live if not serves(v, target, version)]


def serves(view: GatewayView, target: Color, version: int) -> bool:
    return (
        view.color == target.value
        and view.parameter_version is not None
        and view.parameter_version >= version
    )


def describe_views(views: list[GatewayView]) -> str:
    return ", ".join(f"{v.gateway_id} holds {v.color} v{v.parameter_version}" for v in views)


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
    lagging = [v for v in live_views if not serves(v, target, version)]
    if len(live_views) < min_live:
        return Confirmation(
            False,
            views,
            f"{len(live_views)} live gateway(s), at least {min_live} required (heartbeat within "
            f"{liveness_seconds}s)",
        )
    if lagging:
        return Confirmation(False, views, f"waiting for {target.value} v{version}: {describe_views(lagging)}")
    return Confirmation(True, views, f"{len(live_views)} live gateway(s) serve {target.value} v{version}")
