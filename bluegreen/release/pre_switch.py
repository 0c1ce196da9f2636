"""PreSwitchChecks: the last look before traffic moves. Any problem refuses the switch."""

from __future__ import annotations

from bluegreen.adapters.alarms import unhealthy
from bluegreen.adapters.kube import Deployments
from bluegreen.errors import PreSwitchCheckError
from bluegreen.models import DeployResult, ReleaseContext
from bluegreen.release.rollout import Phase, container_images, rollout_phase
from bluegreen.runtime import Runtime


def pre_switch_problems(context: ReleaseContext, deploy: DeployResult, rt: Runtime) -> list[str]:
    config = rt.config
    # the shared alarms, and the health alarm of the colour about to take traffic
    watched = config.alarms.rollback_alarm_names(config.app, config.environment, context.idle_color)
    problems = [
        f"alarm {name} is {state}" for name, state in sorted(unhealthy(rt.alarms.states(watched)).items())
    ]
    active = rt.colors.read()
    if active.color != context.active_color or active.version != context.parameter_version:
        problems.append(
            f"the active colour changed since the release started: {context.active_color.value} "
            f"v{context.parameter_version} -> {active.color.value} v{active.version}"
        )
    deployments = Deployments(rt.kube())
    for service in deploy.services:
        current = deployments.read(context.idle_namespace, service.deployment)
        if current is None:
            problems.append(f"{service.name} vanished from {context.idle_namespace}")
            continue
        generation = int(current.get("metadata", {}).get("generation") or 0)
        if generation != service.generation or container_images(current) != service.images:
            problems.append(
                f"{service.name} changed in {context.idle_namespace} since it was deployed and approved"
            )
        phase, reason = rollout_phase(current)
        if phase is not Phase.COMPLETE:
            problems.append(f"{service.name} is not healthy: {reason}")
    return problems


def pre_switch_checks(context: ReleaseContext, deploy: DeployResult, rt: Runtime) -> None:
    problems = pre_switch_problems(context, deploy, rt)
    if problems:
        rt.releases.update_record(
            context.release_id, {"pre_switch_problems": problems}, step="switch_refused"
        )
        raise PreSwitchCheckError("switch refused: " + "; ".join(problems))
    rt.releases.update_record(context.release_id, {}, step="pre_switch_checked")
