"""A whole local world for release tests: moto running the real ASL with the real handlers, the fake
Kubernetes API server over real HTTP, and a loopback stand-in for the preprod host."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bluegreen.config import AppConfig, load_config
from bluegreen.local.cluster import seed_cluster
from bluegreen.local.cluster_access import FunctionClusterAccess, FunctionKube, function_cluster_access
from bluegreen.local.fake_kube import FakeKubeServer, RolloutMode
from bluegreen.local.names import ACCOUNT
from bluegreen.local.preprod import FakePreprod
from bluegreen.local.workflow import LocalWorkflow
from bluegreen.smoke import SecretsProvider
from tests.integration.iam_session import session_iam

MYAPP = Path(__file__).resolve().parents[2] / "config" / "myapp.yaml"
REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/myapp"
APPROVER = "arn:aws:sts::123456789012:assumed-role/release-approver/approver@myapp.com"


def local_config(preprod_url: str, payment_suite: bool = False, **overrides: Any) -> AppConfig:
    """config/myapp.yaml pointed at a local preprod: its payment suite, or health checks only."""
    data = load_config(MYAPP).model_dump(mode="json", exclude_none=True)
    suite = data["smoke"].get("suite") if payment_suite else None
    data["smoke"] = {"base_url": preprod_url, "timeout_seconds": 5, **({"suite": suite} if suite else {})}
    for dotted, value in overrides.items():
        node = data
        *parents, leaf = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return AppConfig.model_validate(data)


class World:
    def __init__(self, workflow: LocalWorkflow, kube: FakeKubeServer, preprod: FakePreprod) -> None:
        self.workflow = workflow
        self.kube = kube
        self.preprod = preprod
        self.config = workflow.config

    def image(self, namespace: str, deployment: str, container: str | None = None) -> str:
        obj = self.kube.get_object("Deployment", namespace, deployment)
        assert obj is not None, f"{namespace}/{deployment} missing"
        containers = obj["spec"]["template"]["spec"]["containers"]
        wanted = container or deployment
        return str(next(c["image"] for c in containers if c["name"] == wanted))

    def active_color(self) -> str:
        return str(self.workflow.aws.ssm.get_parameter(Name=self.config.parameter_name)["Parameter"]["Value"])

    def lock_holder(self) -> str | None:
        return self.workflow.runtime.releases.lock_holder(self.config.app, self.config.environment)

    def release(self, version: str = "v2", approve: bool = True, **extra: Any) -> tuple[str, dict[str, Any]]:
        """Start a release, approve it when asked (unless `approve` is False), wait for the end."""
        arn = self.workflow.start({"version": version, "triggered_by": "ci-pipeline", **extra})
        release_id = arn.rsplit(":", 1)[-1]
        if approve:
            self.workflow.wait_for_approval_request(release_id)
            self.workflow.decide(release_id, "approve", APPROVER)
        return release_id, self.workflow.wait_for_end(arn)


@contextmanager
def release_world(
    preprod_url: str | None = None,
    secrets: SecretsProvider | None = None,
    cluster_access: Mapping[str, FunctionClusterAccess] | None = None,
    **overrides: Any,
) -> Iterator[World]:
    """`preprod_url` (with `secrets`) runs myapp's payment suite against that server instead of
    health checks against the FakePreprod. Each handler reaches the cluster with its own token,
    allowed what the stack's access entry for its function allows (or `cluster_access`)."""
    with FakePreprod() as preprod, FakeKubeServer() as kube:
        config = local_config(preprod_url or preprod.url, payment_suite=preprod_url is not None, **overrides)
        seed_cluster(kube, config)
        kube.store.default_mode = RolloutMode.COMPLETE
        access = function_cluster_access(config) if cluster_access is None else cluster_access
        kube_for = FunctionKube(kube, access, account=ACCOUNT)
        with LocalWorkflow(config, kube_for.admin(), kube_for=kube_for, iam=session_iam()) as workflow:
            workflow.runtime.secrets = secrets
            yield World(workflow, kube, preprod)
