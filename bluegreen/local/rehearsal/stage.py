"""Everything the rehearsal runs on, started from the app's config and stopped with the ExitStack:
the fake cluster seeded with the configured initial colour live, each colour's pods, the workflow
on a moto server (with the overlay's secrets), the local decide URL, and the configured gateways."""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx

from bluegreen.adapters.gateway_acks import GatewayAckReader
from bluegreen.colors import Color
from bluegreen.config import AppConfig
from bluegreen.local.cluster import seed_cluster
from bluegreen.local.cluster_access import FunctionKube, function_cluster_access
from bluegreen.local.emf_log import EmfLog
from bluegreen.local.fake_kube import FakeKubeServer, RolloutMode
from bluegreen.local.names import ACCOUNT
from bluegreen.local.rehearsal.decide_url import LocalDecideUrl
from bluegreen.local.rehearsal.gateways import (
    CompressedTimeAcks,
    Gateway,
    GatewaySetup,
    start_gateways,
    wait_for_acks,
)
from bluegreen.local.rehearsal.narration import Narrator
from bluegreen.local.rehearsal.pods import ColorPods, FaultsFor
from bluegreen.local.rehearsal.processes import Processes
from bluegreen.local.rehearsal.routing import HostRouting, routed_client_factory
from bluegreen.local.rehearsal.start_url import LocalStartUrl
from bluegreen.local.rehearsed_app import RehearsedApp
from bluegreen.local.server_workflow import ServerWorkflow

MOTO_ENV = {  # moto accepts any credentials
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass
class Stage:
    app: RehearsedApp
    config: AppConfig
    """The app's config with the smoke suite sent to its preprod domain through the local gateways."""
    kube: FakeKubeServer
    pods: ColorPods
    workflow: ServerWorkflow
    gateways: list[Gateway]
    env: dict[str, str]
    """What a process needs to reach this stage's AWS: a CLI, a gateway agent, a second terminal."""
    metrics: EmfLog
    """The handlers' metrics (EMF), also in <workdir>/metrics.emf.jsonl."""

    def active_color(self) -> Color:
        return self.workflow.runtime.colors.read().color

    def wait_for_acks(self, timeout: float = 20.0) -> None:
        aws = self.workflow.aws
        wait_for_acks(aws.ssm, aws.acks_table, self.config.parameter_name, self.gateways, timeout)


def build_stage(
    app: RehearsedApp,
    *,
    approvers: list[str],
    binary: str,
    workdir: Path,
    stack: ExitStack,
    narrator: Narrator,
    faults_for: FaultsFor,
) -> Stage:
    processes = Processes()
    stack.callback(processes.stop_all)
    config = app.local_config(f"http://{app.config.domains.preprod}")
    # Children talk to moto only: test credentials, never the caller's real ones.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(MOTO_ENV, BLUEGREEN_CONFIG=str(app.config_path.resolve()))

    kube = stack.enter_context(FakeKubeServer())
    seed_cluster(kube, config)
    kube.store.default_mode = RolloutMode.COMPLETE
    pods = ColorPods(app, kube, processes, workdir, env, faults_for)
    for color in Color:
        pods.sync(color)
    kube.on_change = pods.on_change
    narrator.say(
        f"cluster {kube.url}: "
        + "; ".join(
            f"{color.value} (namespace {config.namespaces.of(color)}) pods on :{pods.ports[color]} "
            f"run {pods.versions[color]}"
            for color in Color
        )
    )

    routes: dict[str, int] = {}
    http = httpx.Client(transport=HostRouting(routes), timeout=config.smoke.timeout_seconds)
    stack.callback(http.close)
    metrics = EmfLog(workdir / "metrics.emf.jsonl")
    kube_for = FunctionKube(kube, function_cluster_access(config), account=ACCOUNT)  # as the stack grants
    workflow = ServerWorkflow(config, kube_for.admin(), http=http, emf=metrics, kube_for=kube_for)
    stack.enter_context(workflow)
    aws = workflow.aws
    for gateway_id in aws.gateways.ids:  # the real agents acknowledge, not the stand-in
        aws.gateways.mode[gateway_id] = "silent"
        aws.acks_table.delete_item(Key={"gateway_id": gateway_id})
    workflow.runtime.acks = CompressedTimeAcks(GatewayAckReader(aws.acks_table), aws.clock)
    workflow.runtime.smoke_clients = routed_client_factory(routes)
    # The region the workflow's own clients use (the caller's, else the local default).
    app.seed_secrets(boto3.client("secretsmanager", endpoint_url=workflow.endpoint_url))
    narrator.say(
        f"moto server {workflow.endpoint_url} runs the release workflow"
        + (f"; Secrets Manager holds {', '.join(sorted(app.overlay.secrets))}" if app.overlay.secrets else "")
    )

    env.update(
        {k: v for k, v in workflow.environment().items() if k.startswith("BLUEGREEN_")},
        AWS_ENDPOINT_URL=workflow.endpoint_url,
    )
    decide_url = stack.enter_context(LocalDecideUrl(workflow, approvers))
    env["BLUEGREEN_DECIDE_URL"] = decide_url.url
    env["BLUEGREEN_START_URL"] = stack.enter_context(LocalStartUrl(workflow, app.starter())).url
    env["BLUEGREEN_DECIDE_FUNCTION"] = "bluegreen-DecideApproval"

    setup = GatewaySetup(
        binary, workdir, workflow.endpoint_url, config, str(aws.acks_table.name), pods.ports, processes, env
    )
    gateways = start_gateways(setup, stack)
    routes[config.domains.live] = routes[config.domains.preprod] = gateways[0].port
    stage = Stage(app, config, kube, pods, workflow, gateways, env, metrics)
    stage.wait_for_acks()
    narrator.say(
        "gateways "
        + ", ".join(f"{g.gateway_id} (nginx :{g.port})" for g in gateways)
        + f" follow the parameter {config.parameter_name}"
    )
    return stage
