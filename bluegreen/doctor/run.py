"""`bluegreen doctor`: every check, in the order a first deployment meets them."""

from __future__ import annotations

from bluegreen.doctor.alarms import check_alarms
from bluegreen.doctor.checks import Checks
from bluegreen.doctor.cluster import check_cluster
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.gateways import check_gateways
from bluegreen.doctor.identity import check_identity
from bluegreen.doctor.images import check_images
from bluegreen.doctor.network import check_network
from bluegreen.doctor.parameter import check_parameter
from bluegreen.doctor.release_lock import check_release_lock
from bluegreen.doctor.result import Report
from bluegreen.doctor.secrets import check_secrets
from bluegreen.doctor.slack import check_slack
from bluegreen.doctor.stack import check_stack
from bluegreen.doctor.workloads import check_workloads


def run_doctor(env: DoctorEnv) -> Report:
    """Read-only: nothing here writes to AWS, the cluster or Slack."""
    checks = Checks()
    if not check_identity(env, checks):
        return Report(env.config.app, env.config.environment, checks.results)
    stack = check_stack(env, checks)
    active = check_parameter(env, stack, checks)
    live = active.color if active else None
    check_cluster(env, stack, checks)
    workloads = check_workloads(env, live, checks)
    check_images(env, workloads.live_images, workloads.sidecar_images, checks)
    check_alarms(env, live, checks)
    check_gateways(env, stack, active, checks)
    slack_secrets = check_secrets(env, checks)
    check_slack(env, slack_secrets.bot_token, checks)
    check_network(env, checks)
    check_release_lock(env, stack, checks)
    return Report(env.config.app, env.config.environment, checks.results)
