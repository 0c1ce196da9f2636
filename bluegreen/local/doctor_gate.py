"""The rehearsal's gate before the release, as in docs/operations.md: the account is given what a
real one holds (bluegreen.local.account), then `bluegreen doctor` runs as an operator would run it,
in its own process, against moto, the fake cluster, FakeEks and FakeSlack."""

from __future__ import annotations

import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import yaml

from bluegreen.config import AppConfig
from bluegreen.local.account import provision
from bluegreen.local.fake_eks import FakeEks
from bluegreen.local.fake_slack import FakeSlack
from bluegreen.local.workflow import REGION, LocalAws


@dataclass(frozen=True)
class GateResult:
    returncode: int
    output: str

    @property
    def verdict(self) -> str:
        """The report's last line (`ready: …` or `not ready: …`)."""
        lines = [line for line in self.output.splitlines() if line.strip()]
        return lines[-1].strip() if lines else f"doctor exited {self.returncode} without a report"


def doctor_gate(
    stack: ExitStack, aws: LocalAws, config: AppConfig, *, kube_url: str, workdir: Path, env: dict[str, str]
) -> GateResult:
    eks = stack.enter_context(FakeEks(region=REGION))
    slack = stack.enter_context(FakeSlack())
    account = provision(aws, config, eks=eks, slack=slack, kube_url=kube_url, region=REGION)
    config_path = workdir / "doctor-config.yaml"
    config_path.write_text(yaml.safe_dump(account.config.model_dump(mode="json", exclude_none=True)))
    cli = str(Path(sys.executable).with_name("bluegreen"))
    done = subprocess.run(
        [cli, "--config", str(config_path), "doctor", "--kube-url", kube_url],
        env={
            # AWS_ENDPOINT_URL (moto) for every service but EKS: no --endpoint-url, which would win
            **{k: v for k, v in env.items() if k != "BLUEGREEN_ENDPOINT_URL"},
            "AWS_ENDPOINT_URL_EKS": eks.url,
            "BLUEGREEN_SLACK_API_URL": slack.api_url,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return GateResult(done.returncode, done.stdout + done.stderr)
