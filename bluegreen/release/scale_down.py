"""Scale-down: when the rollback window of the latest finished release closes, the old colour goes to 0.

Called on a schedule (every `rollback.scale_down_check_minutes`); before the window closes it does
nothing but say when it will act. It never scales down the colour the parameter points at, nor
after a rollback (the rolled-back colour is left as deployed, for debugging) or once a newer
release has started.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bluegreen.adapters.kube import Deployments
from bluegreen.adapters.notify import Notification
from bluegreen.adapters.release_store import pseudo_holder
from bluegreen.colors import Color
from bluegreen.errors import ReleaseLockedError
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
    release_id = str(latest["release_id"])
    old = Color(latest["color_before"])
    quiet = _nothing_to_do(latest)
    if quiet:
        return ScaleDownResult(status=ScaleDownStatus.NOTHING_TO_DO, message=quiet, release_id=release_id)
    closes = datetime.fromisoformat(str(latest["scale_down_after"]))
    if rt.clock() < closes:
        return ScaleDownResult(
            status=ScaleDownStatus.WAITING,
            message=f"the rollback window of release {release_id} is open until {closes.isoformat()}: "
            f"{old.value} stays up",
            release_id=release_id,
            color=old,
        )
    holder = pseudo_holder("scale-down", release_id, rt.clock())
    try:
        rt.releases.acquire_lock(config.app, config.environment, holder, release_id, rt.execution_is_running)
    except ReleaseLockedError as exc:
        return ScaleDownResult(
            status=ScaleDownStatus.WAITING,
            message=f"the release lock is held, next time: {exc}",
            release_id=release_id,
        )
    try:
        latest = rt.releases.get_latest(config.app, config.environment) or latest
        quiet = (
            _nothing_to_do(latest) if latest.get("release_id") == release_id else "a newer release finished"
        )
        if quiet:
            return ScaleDownResult(status=ScaleDownStatus.NOTHING_TO_DO, message=quiet, release_id=release_id)
        live = rt.colors.read()
        if live.color is old:
            message = f"{old.value} is live (parameter v{live.version}): it is not scaled down"
            rt.releases.update_record(release_id, {"scale_down_refused": message}, step="scale_down_refused")
            return ScaleDownResult(status=ScaleDownStatus.REFUSED, message=message, release_id=release_id)
        namespace = config.namespaces.of(old)
        deployments = Deployments(rt.kube())
        scaled: list[str] = []
        for service in config.services:
            if deployments.read(namespace, service.deployment_name) is None:
                continue
            deployments.patch(namespace, service.deployment_name, {"spec": {"replicas": 0}})
            scaled.append(service.deployment_name)
        now = rt.clock()
        rt.releases.mark_latest(config.app, config.environment, release_id, {"scaled_down_at": now})
        rt.releases.update_record(
            release_id,
            {"scaled_down": {"color": old.value, "namespace": namespace, "deployments": scaled, "at": now}},
            step="scaled_down",
        )
    finally:
        rt.releases.release_lock(config.app, config.environment, holder)
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


def _nothing_to_do(latest: dict[str, object]) -> str | None:
    release_id = latest.get("release_id")
    if latest.get("scaled_down_at"):
        return f"release {release_id}'s old colour was scaled down at {latest['scaled_down_at']}"
    if latest.get("rolled_back_at"):
        return f"release {release_id} was rolled back: both colours are left as they are"
    if latest.get("superseded_by"):
        return f"release {latest['superseded_by']} has started: it owns the idle colour now"
    return None
