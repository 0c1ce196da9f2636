"""CheckRollout: one poll of every idle Deployment; the workflow's Wait -> Check -> Choice loop repeats it."""

from __future__ import annotations

from bluegreen.adapters.kube import Deployments
from bluegreen.errors import RolloutFailedError
from bluegreen.models import DeployResult, ReleaseContext, RolloutStatus
from bluegreen.release.rollout import Phase, rollout_phase
from bluegreen.runtime import Runtime


def check_rollout(context: ReleaseContext, deploy: DeployResult, rt: Runtime) -> RolloutStatus:
    deployments = Deployments(rt.kube())
    now = rt.clock()
    pending: dict[str, str] = {}
    for service in deploy.services:
        current = deployments.read(context.idle_namespace, service.deployment)
        if current is None:
            raise RolloutFailedError(
                service.name, f"deployment vanished from namespace {context.idle_namespace}"
            )
        phase, reason = rollout_phase(current)
        if phase is Phase.FAILED:
            rt.releases.update_record(
                context.release_id,
                {"failure": {"service": service.name, "reason": reason}},
                step="rollout_failed",
            )
            raise RolloutFailedError(service.name, reason)
        if phase is Phase.PROGRESSING:
            pending[service.name] = reason
    if pending and now >= deploy.rollout_deadline:
        name, reason = next(iter(pending.items()))
        timeout = rt.config.rollout.timeout_seconds
        rt.releases.update_record(
            context.release_id, {"failure": {"service": name, "reason": reason}}, step="rollout_failed"
        )
        raise RolloutFailedError(name, f"not ready within {timeout}s: {reason}")
    if not pending:
        rt.releases.update_record(context.release_id, {}, step="rolled_out")
    return RolloutStatus(done=not pending, pending=sorted(pending), checked_at=now)
