"""A release world behind a moto *server*, for driving the `bluegreen` CLI as an operator would:
the CLI gets `--endpoint-url` and the BLUEGREEN_* resource names, nothing else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from click.testing import CliRunner, Result

from bluegreen.cli import commands  # noqa: F401 - registers the commands
from bluegreen.cli.main import cli
from bluegreen.local.cluster import seed_cluster
from bluegreen.local.cluster_access import VIEW, FunctionKube, function_cluster_access
from bluegreen.local.fake_kube import FakeKubeServer, RolloutMode
from bluegreen.local.iam_roles import ADMIN_USER
from bluegreen.local.names import ACCOUNT
from bluegreen.local.preprod import FakePreprod
from bluegreen.local.server_workflow import ServerWorkflow
from tests.integration.iam_session import session_iam
from tests.integration.release_world import APPROVER, MYAPP, local_config

OPERATOR = f"arn:aws:iam::{ACCOUNT}:user/{ADMIN_USER}"
"""Who the CLI signs as (the run's administrator); mapped to a person, as an operator's IAM user would be."""


class CliWorld:
    def __init__(self, workflow: ServerWorkflow, kube: FakeKubeServer, preprod: FakePreprod) -> None:
        self.workflow = workflow
        self.kube = kube
        self.preprod = preprod
        self.config = workflow.config
        self.env = {k: v for k, v in workflow.environment().items() if k != "BLUEGREEN_ENDPOINT_URL"}

    def run(self, *args: str) -> Result:
        """`bluegreen --config ... --endpoint-url ... ARGS`, in this process, as a user types it."""
        argv = ["--config", str(MYAPP), "--endpoint-url", self.workflow.endpoint_url, *args]
        return CliRunner().invoke(cli, argv, env=self.env, catch_exceptions=False)

    def active_color(self) -> str:
        return str(self.workflow.aws.ssm.get_parameter(Name=self.config.parameter_name)["Parameter"]["Value"])

    def idle_namespace(self) -> str:
        return "green" if self.active_color() == "blue" else "blue"

    @contextmanager
    def approver(self, decision: str = "approve", reason: str | None = None) -> Iterator[list[str]]:
        """Decide the next release's approval from another thread, as a person in Slack would."""
        decided: list[str] = []
        stop = threading.Event()

        def decide() -> None:
            known = set(self._release_ids())
            while not stop.is_set():
                for release_id in set(self._release_ids()) - known:
                    if self.workflow.pending_approval(release_id):
                        self.workflow.decide(release_id, decision, APPROVER, reason)
                        decided.append(release_id)
                        return
                stop.wait(0.05)

        thread = threading.Thread(target=decide, daemon=True)
        thread.start()
        try:
            yield decided
        finally:
            stop.set()
            thread.join(timeout=10)

    def _release_ids(self) -> list[str]:
        items = self.workflow.aws.releases_table.scan().get("Items", [])
        return [str(i["release_id"]) for i in items if str(i.get("pk", "")).startswith("RELEASE#")]


@contextmanager
def cli_world(**overrides: Any) -> Iterator[CliWorld]:
    with FakePreprod() as preprod, FakeKubeServer() as kube:
        # Fewer bake checks than production's one a minute: the same path, fewer transitions to wait for.
        config = local_config(
            preprod.url,
            **{
                "bake__check_interval_seconds": 180,
                "approvals__identities__people": {"operator@myapp.com": [OPERATOR]},
                **overrides,
            },
        )
        seed_cluster(kube, config)
        kube.store.default_mode = RolloutMode.COMPLETE
        kube_for = FunctionKube(kube, function_cluster_access(config), account=ACCOUNT)
        with ServerWorkflow(config, kube_for.admin(), kube_for=kube_for, iam=session_iam()) as workflow:
            world = CliWorld(workflow, kube, preprod)
            # The operator running the CLI has read access to both namespaces (an access entry for
            # their IAM identity, as the first-deployment runbook asks): EKS tokens they sign work.
            namespaces = [config.namespaces.blue, config.namespaces.green]
            kube.grant_iam(world.env["AWS_ACCESS_KEY_ID"], OPERATOR, VIEW, namespaces)
            yield world
