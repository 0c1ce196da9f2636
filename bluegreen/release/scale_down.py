"""Scale-down: when the rollback window of the latest finished release closes, the old colour goes to 0.

Called on a schedule (every `rollback.scale_down_check_minutes`); before the window closes it does
nothing but say when it will act. It never scales down the colour the parameter points at, nor
after a rollback (the rolled-back colour is left as deployed, for debugging) or once a newer
release has started.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bluegreen.adapters.notify import Notification
from bluegreen.colors import Color
from bluegreen.errors import ReleaseLockedError
from bluegreen.records import WindowPhase, window_phase
from bluegreen.release.release_lock import under_release_lock
from bluegreen.runtime import Runtime


class ScaleDownStatus(StrEnum):
    SCALED_DOWN = "scaled_down"
    WAITING = "waiting"  # the rollback window is still open
    NOTHING_TO_DO = "nothing_to_do"
    REFUSED = "refused"


class ScaleDownResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: ScaleDownStatus
    message: str
    release_id: str | None = None
    color: Color | None = None
    deployments: list[str] = []


def scale_down_after_window(rt: Runtime) -> ScaleDownResult:
    config = rt.config
    latest = rt.releases.get_latest(config.app, config.environment)
    if latest is None:
        return ScaleDownResult(status=ScaleDownStatus.NOTHING_TO_DO, message="no finished release yet")
    release_id, old = latest.release_id, latest.color_before
    phase, reason = window_phase(latest, rt.clock())
    if phase is WindowPhase.OPEN:
        return ScaleDownResult(
            status=ScaleDownStatus.WAITING, message=reason, release_id=release_id, color=old
        )
    if phase is not WindowPhase.EXPIRED:
        return ScaleDownResult(status=ScaleDownStatus.NOTHING_TO_DO, message=reason, release_id=release_id)
    try:
        with under_release_lock(rt, "scale-down", release_id) as fresh:
            if fresh is None or fresh.release_id != release_id:
                return ScaleDownResult(
                    status=ScaleDownStatus.NOTHING_TO_DO,
                    message="a newer release finished",
                    release_id=release_id,
                )
            phase, reason = window_phase(fresh, rt.clock())  # again: it may have changed meanwhile
            if phase is not WindowPhase.EXPIRED:
                return ScaleDownResult(
                    status=ScaleDownStatus.NOTHING_TO_DO, message=reason, release_id=release_id
                )
            live = rt.colors.read()
            if live.color is old:
                message = f"{old.value} is live (parameter v{live.version}): it is not scaled down"
                rt.releases.update_record(
                    release_id, {"scale_down_refused": message}, step="scale_down_refused"
                )
                return ScaleDownResult(status=ScaleDownStatus.REFUSED, message=message, release_id=release_id)
            namespace, scaled = _scale_to_zero(rt, old)
            now = rt.clock()
            rt.releases.mark_latest(config.app, config.environment, release_id, scaled_down_at=now)
            rt.releases.update_record(
                release_id,
                {
                    "scaled_down": {
                        "color": old.value,
                        "namespace": namespace,
                        "deployments": scaled,
                        "at": now,
                    }
                },
                step="scaled_down",
            )
    except ReleaseLockedError as exc:
        return ScaleDownResult(
            status=ScaleDownStatus.WAITING,
            message=f"the release lock is held, next time: {exc}",
            release_id=release_id,
        )
    message = (
        f"the rollback window of release {release_id} closed: {namespace} scaled down to 0 "
        f"({', '.join(scaled) or 'no deployment found'})"
    )
    rt.notifier.notify(Notification("scaled_down", release_id, message))
    return ScaleDownResult(
        status=ScaleDownStatus.SCALED_DOWN,
        message=message,
        release_id=release_id,
        color=old,
        deployments=scaled,
    )


def _scale_to_zero(rt: Runtime, color: Color) -> tuple[str, list[str]]:
    namespace = rt.config.namespaces.of(color)
    deployments = rt.deployments()
    scaled: list[str] = []
    for service in rt.config.services:
        if deployments.read(namespace, service.deployment_name) is None:
            continue
        deployments.patch(namespace, service.deployment_name, {"spec": {"replicas": 0}})
        scaled.append(service.deployment_name)
    return namespace, scaled
