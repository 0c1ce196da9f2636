"""The gateways: each configured one heartbeats and serves what the parameter says.

A gateway whose agent stopped but whose nginx still serves would keep the old colour after a
switch (the workflow only waits for live gateways), so a silent one fails the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.adapters.gateway_acks import GatewayAck, parse_ack
from bluegreen.doctor.checks import Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, fail, ok, warn
from bluegreen.doctor.stack import StackFacts

G = Group.GATEWAYS
AGENT_FIX = (
    "on that host: `systemctl status bluegreen-gateway` and its journal (docs/gateway.md); or take it out "
    "of gateways.ids and of the load balancer"
)


@dataclass(frozen=True)
class Reported:
    """A gateway's acknowledgement item, and the parameter it says it follows."""

    ack: GatewayAck
    parameter_name: str | None


def read_acks(env: DoctorEnv, table: str) -> dict[str, Reported]:
    dynamodb = env.client("dynamodb")
    deserializer = TypeDeserializer()
    reported = {}
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        for item in page.get("Items", []):
            plain = {k: deserializer.deserialize(v) for k, v in item.items()}
            ack = parse_ack(plain)
            name = plain.get("parameter_name")
            reported[ack.gateway_id] = Reported(ack, name if isinstance(name, str) else None)
        if "LastEvaluatedKey" not in page:
            return reported
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _ago(now: datetime, then: datetime) -> str:
    seconds = int((now - then).total_seconds())
    if seconds < 0:
        return "just now"
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def check_gateways(env: DoctorEnv, stack: StackFacts, active: ActiveColor | None, checks: Checks) -> None:
    table = stack.resource("acks_table")
    if table is None:
        return
    config = env.config.gateways
    with checks.guard(G, "gateways"):
        acks = read_acks(env, table)
        now = env.clock()
        live = 0
        for gateway_id in config.ids:
            live += _check_gateway(env, gateway_id, acks.get(gateway_id), active, now, checks)
        for gateway_id in sorted(set(acks) - set(config.ids)):
            ack = acks[gateway_id].ack
            if ack.heartbeat_at and now - ack.heartbeat_at <= timedelta(seconds=config.liveness_seconds):
                checks.add(
                    warn(
                        G,
                        f"gateway {gateway_id}",
                        "heartbeats but is not in gateways.ids; the switch waits for it all the same",
                        "add it to gateways.ids, or stop its agent",
                    )
                )
        if live < config.min_live:
            checks.add(
                fail(
                    G,
                    "live gateways",
                    f"{live} live, at least {config.min_live} required: every switch would be reverted",
                    "start the gateway agents (docs/gateway.md)",
                )
            )
        else:
            checks.add(
                ok(G, "live gateways", f"{live} of {len(config.ids)} live (at least {config.min_live})")
            )


def _check_gateway(
    env: DoctorEnv,
    gateway_id: str,
    reported: Reported | None,
    active: ActiveColor | None,
    now: datetime,
    checks: Checks,
) -> int:
    """1 when the gateway is live and serves what the parameter says."""
    check = f"gateway {gateway_id}"
    liveness = env.config.gateways.liveness_seconds
    if reported is None:
        checks.add(fail(G, check, "has never reported", AGENT_FIX))
        return 0
    ack = reported.ack
    if ack.heartbeat_at is None or now - ack.heartbeat_at > timedelta(seconds=liveness):
        last = _ago(now, ack.heartbeat_at) if ack.heartbeat_at else "never"
        checks.add(
            fail(
                G,
                check,
                f"last heartbeat {last} (live means within {liveness}s): after a switch it would keep "
                f"serving {ack.color} v{ack.parameter_version}",
                AGENT_FIX,
            )
        )
        return 0
    follows = reported.parameter_name
    if follows and follows != env.config.parameter_name:
        checks.add(fail(G, check, f"follows {follows}, not {env.config.parameter_name}", AGENT_FIX))
        return 0
    held = f"{ack.color} v{ack.parameter_version}"
    if ack.error:
        checks.add(fail(G, check, f"holds {held} and reports: {ack.error}", AGENT_FIX))
        return 0
    if active is not None and (
        ack.color != active.color.value or (ack.parameter_version or 0) < active.version
    ):
        checks.add(
            fail(
                G,
                check,
                f"holds {held}, the parameter says {active.color} v{active.version}",
                AGENT_FIX,
            )
        )
        return 0
    mode = f", {ack.mode} mode" if ack.mode else ""
    checks.add(ok(G, check, f"heartbeat {_ago(now, ack.heartbeat_at)}, serves {held}{mode}"))
    return 1
