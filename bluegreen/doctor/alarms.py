"""Every alarm the release watches exists (a missing one reads as unhealthy and refuses every
approval, switch and bake) and none fires now."""

from __future__ import annotations

from bluegreen.adapters.alarms import ALARM, MISSING, AlarmReader
from bluegreen.colors import Color
from bluegreen.doctor.checks import Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import CheckResult, Group, fail, ok, warn

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
        for name in names:
            checks.add(_result(env, name, states[name], live))


def _result(env: DoctorEnv, name: str, state: str, live: Color | None) -> CheckResult:
    config = env.config
    check = f"alarm {name}"
    health = {config.alarms.health_alarm_name(config.app, config.environment, c) for c in Color}
    # What the next release watches (Prepare, the approval, the pre-switch checks, the bake): the
    # shared alarms and the health alarm of the colour about to take traffic.
    guards_release = (
        name in config.alarms.rollback_alarm_names(config.app, config.environment, live.other())
        if live
        else True
    )
    if state == MISSING:
        fix = (
            "deploy the stack (it creates the release-health alarms)"
            if name in health
            else "create it, or remove it from alarms.names"
        )
        return fail(G, check, "does not exist: it reads as unhealthy, so every switch is refused", fix)
    if state == ALARM and guards_release:
        return fail(
            G,
            check,
            "in ALARM now: a release would be refused",
            "wait until it is OK, or find out why it fires",
        )
    if state == ALARM:
        return warn(
            G,
            check,
            f"in ALARM: the live colour ({live}) is unhealthy; a release is not refused for it",
            "find out why it fires; releasing a fix is allowed",
        )
    if state == "INSUFFICIENT_DATA" and live is not None and name not in _guarding(env, live):
        return ok(G, check, f"{state} (it watches the idle colour, which takes no live traffic)")
    if state == "INSUFFICIENT_DATA":
        return warn(
            G,
            check,
            "INSUFFICIENT_DATA: without data it cannot fire, so it cannot roll a release back",
            "check its metric and dimensions (a new colour without traffic yet is expected)",
        )
    return ok(G, check, state)


def _guarding(env: DoctorEnv, live: Color) -> list[str]:
    """The alarms that guard the live colour now (a rollback after a release listens to these)."""
    return env.config.alarms.rollback_alarm_names(env.config.app, env.config.environment, live)
