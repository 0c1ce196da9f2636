"""Who is checking, in which account: without credentials nothing else can be read."""

from __future__ import annotations

from bluegreen.doctor.checks import Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, ok

G = Group.IDENTITY


def check_identity(env: DoctorEnv, checks: Checks) -> bool:
    """False when AWS cannot be read at all (the other checks are then skipped)."""
    with checks.guard(G, "aws identity"):
        caller = env.client("sts").get_caller_identity()
        checks.add(ok(G, "aws identity", f"{caller['Arn']}, account {caller['Account']}, {env.region}"))
    return not checks.failures_in(G)
