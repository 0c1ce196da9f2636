"""Switch: point the parameter at the idle colour. The new parameter version identifies the switch."""

from __future__ import annotations

from bluegreen.adapters.notify import Notification
from bluegreen.errors import PreSwitchCheckError
from bluegreen.models import ReleaseContext, SwitchResult
from bluegreen.release.drift import colour_moved
from bluegreen.runtime import Runtime


def switch(context: ReleaseContext, rt: Runtime) -> SwitchResult:
    current = rt.colors.read()
    if current.color == context.idle_color and current.version == context.parameter_version + 1:
        # A retried Switch whose first write landed (we hold the lock; SSM adds one per write).
        version = current.version
    elif (moved := colour_moved(context, current)) is not None:
        raise PreSwitchCheckError(moved)
    else:
        version = rt.colors.write(context.idle_color)
    now = rt.clock()
    result = SwitchResult(
        previous_color=context.active_color,
        new_color=context.idle_color,
        parameter_version=version,
        switched_at=now,
    )
    rt.releases.update_record(
        context.release_id,
        {
            "colors": {
                "before": context.active_color.value,
                "target": context.idle_color.value,
                "after": context.idle_color.value,
            },
            "parameter_versions": {"before": context.parameter_version, "switch": version},
        },
        step="switched",
    )
    rt.notifier.notify(
        Notification(
            "switched",
            context.release_id,
            f"{rt.config.domains.live} switched from {context.active_color.value} "
            f"to {context.idle_color.value} "
            f"(parameter v{version})",
        )
    )
    return result
