"""Bake: watch the release's alarms after the switch; ALARM (or a vanished alarm) rolls back."""

from __future__ import annotations

from datetime import datetime, timedelta

from bluegreen.adapters.alarms import unhealthy
from bluegreen.errors import AlarmDuringBakeError
from bluegreen.models import BakeStatus, ReleaseContext
from bluegreen.runtime import Runtime


def check_bake(context: ReleaseContext, confirmed_at: datetime, rt: Runtime) -> BakeStatus:
    config = rt.config
    # the shared alarms, and the health alarm of the colour now live (the release's)
    states = rt.alarms.states(config.watched_alarms(context.idle_color))
    bad = unhealthy(states)
    if bad:
        text = ", ".join(f"{name} is {state}" for name, state in sorted(bad.items()))
        rt.releases.update_record(context.release_id, {"bake_alarms": bad}, step="bake_alarm")
        raise AlarmDuringBakeError(f"during the bake: {text}")
    bake_until = confirmed_at + timedelta(minutes=rt.config.bake.minutes)
    done = rt.clock() >= bake_until
    if done:
        rt.releases.update_record(context.release_id, {}, step="baked")
    return BakeStatus(done=done, bake_until=bake_until, alarms=states)
