"""Every alarm the release watches exists (a missing one reads as unhealthy and refuses every
approval, switch and bake) and none fires now."""

from __future__ import annotations

from bluegreen.adapters.alarms import ALARM, MISSING, AlarmReader
from bluegreen.colors import Color
from bluegreen.doctor.checks import Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, fail, ok, warn

G = Group.ALARMS


def check_alarms(env: DoctorEnv, live: Color | None, checks: Checks) -> None:
    config = env.config
    names = config.alarms.all_watched_names(config.app, config.environment)
    if not names:
        checks.add(
            warn(
                G,
                "alarms",
                "no alarm is watched: nothing stops a bad switch or rolls it back",
                "list existing alarms in alarms.names, or set alarms.load_balancers / payment_metric",
            )
        )
        return
    with checks.guard(G, "alarms"):
        states = AlarmReader(env.client("cloudwatch")).states(names)
        health = {config.alarms.health_alarm_name(config.app, config.environment, c) for c in Color}
        idle_only = (
            set(names) - set(config.alarms.rollback_alarm_names(config.app, config.environment, live))
            if live
            else set()
        )
        for name in names:
            check = f"alarm {name}"
            state = states[name]
            if state == MISSING:
                fix = (
                    "deploy the stack (it creates the release-health alarms)"
                    if name in health
                    else "create it, or remove it from alarms.names"
                )
                checks.add(
                    fail(G, check, "does not exist: it reads as unhealthy, so every switch is refused", fix)
                )
            elif state == ALARM:
                checks.add(
                    fail(
                        G,
                        check,
                        "in ALARM now: a release would be refused before the switch",
                        "wait until it is OK, or find out why it fires",
                    )
                )
            elif state == "INSUFFICIENT_DATA" and live is not None and name in idle_only:
                checks.add(ok(G, check, f"{state} (it watches the idle colour, which takes no live traffic)"))
            elif state == "INSUFFICIENT_DATA":
                checks.add(
                    warn(
                        G,
                        check,
                        "INSUFFICIENT_DATA: without data it cannot fire, so it cannot roll a release back",
                        "check its metric and dimensions (a new colour without traffic yet is expected)",
                    )
                )
            else:
                checks.add(ok(G, check, state))
