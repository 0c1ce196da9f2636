"""PreSwitchChecks: the last look before traffic moves. Any problem refuses the switch."""

from __future__ import annotations

from bluegreen.adapters.alarms import unhealthy
from bluegreen.errors import PreSwitchCheckError
from bluegreen.models import DeployResult, ReleaseContext
from bluegreen.release.drift import IdleDeployment, colour_moved, idle_drift
from bluegreen.release.rollout import Phase, rollout_phase
from bluegreen.runtime import Runtime


def pre_switch_problems(context: ReleaseContext, deploy: DeployResult, rt: Runtime) -> list[str]:
    watched = rt.config.watched_alarms(context.idle_color)
    problems = [
        f"alarm {name} is {state}" for name, state in sorted(unhealthy(rt.alarms.states(watched)).items())
    ]
    moved = colour_moved(context, rt.colors.read())
    if moved:
        problems.append(moved)
    deployments = rt.deployments()
    current = {s.name: deployments.read(context.idle_namespace, s.deployment) for s in deploy.services}
    expected = {s.name: IdleDeployment(s.deployment, s.generation, s.images) for s in deploy.services}
    problems += idle_drift(context.idle_namespace, expected, current, "it was deployed and approved")
    for name, deployment in current.items():
        if deployment is not None:
            phase, reason = rollout_phase(deployment)
            if phase is not Phase.COMPLETE:
                problems.append(f"{name} is not healthy: {reason}")
    return problems


def pre_switch_checks(context: ReleaseContext, deploy: DeployResult, rt: Runtime) -> None:
    problems = pre_switch_problems(context, deploy, rt)
    if problems:
        rt.releases.update_record(
            context.release_id, {"pre_switch_problems": problems}, step="switch_refused"
        )
        raise PreSwitchCheckError("switch refused: " + "; ".join(problems))
    rt.releases.update_record(context.release_id, {}, step="pre_switch_checked")
