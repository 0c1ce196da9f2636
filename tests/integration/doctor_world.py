"""The local rehearsal world (moto server, fake cluster) with what a real account holds before the
first release (bluegreen.local.account), for driving `bluegreen doctor` as an operator would."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import yaml
from click.testing import CliRunner, Result

from bluegreen.cli import commands  # noqa: F401 - registers the commands
from bluegreen.cli.main import cli
from bluegreen.local.account import LocalAccount, provision
from bluegreen.local.fake_eks import FakeCluster, FakeEks
from bluegreen.local.fake_slack import FakeSlack
from bluegreen.local.workflow import REGION
from tests.integration.cli_world import CliWorld, cli_world


class DoctorWorld:
    def __init__(
        self, world: CliWorld, account: LocalAccount, eks: FakeEks, slack: FakeSlack, config_path: Path
    ) -> None:
        self.world = world
        self.account = account
        self.eks = eks
        self.slack = slack
        self.config_path = config_path
        self.config = account.config
        self.kube = world.kube

    def client(self, service: str, region: str = REGION) -> Any:
        return boto3.client(service, region_name=region)  # type: ignore[call-overload]

    @property
    def cluster(self) -> FakeCluster:
        return self.eks.clusters[self.config.cluster.name]

    def write_config(self, **changes: Any) -> None:
        """Rewrite the config doctor reads (dotted keys as `a__b`)."""
        data = self.config.model_dump(mode="json", exclude_none=True)
        for dotted, value in changes.items():
            node = data
            *parents, leaf = dotted.split("__")
            for part in parents:
                node = node[part]
            node[leaf] = value
        self.config_path.write_text(yaml.safe_dump(data, sort_keys=False))

    @contextmanager
    def heartbeats(self) -> Iterator[None]:
        """The gateways heartbeat all the time, as the real agents do (every second here, on a
        thread of their own: nothing they write is doctor's)."""
        stop = threading.Event()
        first = threading.Event()

        def beat() -> None:
            while True:
                with contextlib.suppress(Exception):  # e.g. the parameter deleted by a test
                    self.world.workflow.aws.gateways.tick()
                first.set()
                if stop.wait(1.0):
                    return

        thread = threading.Thread(target=beat, daemon=True, name="gateway-heartbeats")
        thread.start()
        first.wait(timeout=10)
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=10)

    def doctor(self, *args: str, kube: str = "url", before: tuple[str, ...] = ()) -> Result:
        """`bluegreen --config <the account's config> doctor [--kube-url ...] ARGS`, while the
        gateways heartbeat."""
        env = {
            **self.world.env,
            "AWS_ENDPOINT_URL_EKS": self.eks.url,
            "BLUEGREEN_SLACK_API_URL": self.slack.api_url,
        }
        kube_args = ["--kube-url", self.kube.url] if kube == "url" else []
        argv = ["--config", str(self.config_path), *before, "doctor", *kube_args, *args]
        with self.heartbeats():
            return CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)

    def report(self, *args: str, before: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
        result = self.doctor("--json", *args, before=before)
        return result.exit_code, json.loads(result.stdout)


def failed(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in report["checks"] if c["status"] == "fail"]


@contextmanager
def doctor_world(tmp_path: Path, **overrides: Any) -> Iterator[DoctorWorld]:
    with FakeEks(region=REGION) as eks, FakeSlack() as slack, cli_world(**overrides) as world:
        account = provision(
            world.workflow.aws, world.config, eks=eks, slack=slack, kube_url=world.kube.url, region=REGION
        )
        config_path = tmp_path / "myapp.yaml"
        doctor = DoctorWorld(world, account, eks, slack, config_path)
        doctor.write_config()
        with mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL_EKS": eks.url}):
            yield doctor
