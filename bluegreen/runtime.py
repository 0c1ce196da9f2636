"""What a step needs from the outside world, built once per Lambda container and passed in.

Handlers build a Runtime from their environment (`Runtime.from_environment()`); tests and the local
demo build one around moto, the fake Kubernetes API server and in-memory fakes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bluegreen import lambda_env
from bluegreen.adapters.active_color import ActiveColorStore
from bluegreen.adapters.alarms import AlarmReader
from bluegreen.adapters.aws import client
from bluegreen.adapters.executions import StepFunctionsExecutions
from bluegreen.adapters.gateway_acks import GatewayAckReader
from bluegreen.adapters.kube import ApiClientFactory, Deployments, EksApiClientFactory
from bluegreen.adapters.manifests import S3Manifests
from bluegreen.adapters.notify import LogNotifier, Notifier
from bluegreen.adapters.release_store import ReleaseStore, pseudo_holder_alive
from bluegreen.adapters.slack import MessageRef, SlackNotifier
from bluegreen.clock import Clock, utc_now
from bluegreen.config import AppConfig, load_config
from bluegreen.errors import SettingsError
from bluegreen.metrics.emf import EmfSink
from bluegreen.metrics.points import MetricsSink
from bluegreen.ports import (
    AlarmStates,
    ColourParameter,
    Executions,
    GatewayAcks,
    ManifestStore,
    ReleaseRepository,
    Workloads,
)

if TYPE_CHECKING:
    from bluegreen.smoke import SecretsProvider
    from bluegreen.smoke.runner import ClientFactory


class LambdaSettings(BaseModel):
    """A Lambda's environment variables, validated at start-up."""

    model_config = ConfigDict(frozen=True)

    bluegreen_config: str = Field(
        min_length=1, description="path of the app config, relative to the task root"
    )
    releases_table: str = Field(min_length=3)
    acks_table: str | None = None
    aws_region: str = Field(default="us-east-1", min_length=1)

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> LambdaSettings:
        env = dict(os.environ if environ is None else environ)
        values = {
            "bluegreen_config": env.get(lambda_env.CONFIG, ""),
            "releases_table": env.get(lambda_env.RELEASES_TABLE, ""),
            "acks_table": env.get(lambda_env.ACKS_TABLE) or None,
            "aws_region": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        }
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            fields = ", ".join(str(err["loc"][0]).upper() for err in exc.errors())
            raise SettingsError(f"missing or invalid environment variable(s): {fields}") from exc

    def config_path(self) -> Path:
        path = Path(self.bluegreen_config)
        if path.is_absolute():
            return path
        return Path(os.environ.get("LAMBDA_TASK_ROOT", ".")) / path


@dataclass
class Runtime:
    """The ports a step uses (bluegreen/ports.py), with the adapters or fakes behind them."""

    config: AppConfig
    releases: ReleaseRepository
    colors: ColourParameter
    alarms: AlarmStates
    kube: ApiClientFactory
    sfn: Any = None
    """A boto3 Step Functions client; `executions` is built from it when not given."""
    acks: GatewayAcks | None = None
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10.0))
    notifier: Notifier = field(default_factory=LogNotifier)
    clock: Clock = utc_now
    secrets: SecretsProvider | None = None
    smoke_clients: ClientFactory | None = None
    """How the smoke suite makes its HTTP clients; None: httpx.Client (DNS, the network)."""
    slack: SlackNotifier | None = None
    """Set when config.approvals names a Slack channel and bot token secret (then also `notifier`)."""
    executions: Executions | None = None
    workloads: Callable[[], Workloads] | None = None
    """The cluster's Deployments; by default through the official client from `kube`."""
    manifests: ManifestStore | None = None
    metrics: MetricsSink = field(default_factory=EmfSink)
    """Release metrics: CloudWatch embedded metric format on stdout (the function's log)."""

    def __post_init__(self) -> None:
        if self.executions is None and self.sfn is not None:
            self.executions = StepFunctionsExecutions(self.sfn)

    def smoke_secrets(self) -> SecretsProvider:
        """Secrets Manager by default, made on first use (only SmokeTests needs it)."""
        if self.secrets is None:
            from bluegreen.smoke import SecretsManagerSecrets

            self.secrets = SecretsManagerSecrets()
        return self.secrets

    def steps(self) -> Executions:
        if self.executions is None:
            raise SettingsError("no Step Functions client for this function")
        return self.executions

    def deployments(self) -> Workloads:
        if self.workloads is not None:
            return self.workloads()
        return Deployments(self.kube())

    def manifest_store(self) -> ManifestStore:
        """S3 by default, made on first use (only DeployToIdle reads manifests)."""
        if self.manifests is None:
            self.manifests = S3Manifests(client("s3"))
        return self.manifests

    def execution_is_running(self, execution_arn: str) -> bool:
        alive = pseudo_holder_alive(execution_arn, self.clock())
        if alive is not None:  # a rollback or scale-down holds the lock, briefly
            return alive
        return self.steps().status(execution_arn) == "RUNNING"

    def require_acks(self) -> GatewayAcks:
        if self.acks is None:
            raise SettingsError("ACKS_TABLE is not set for this function")
        return self.acks

    @classmethod
    def from_environment(cls) -> Runtime:
        settings = LambdaSettings.from_environ()
        config = load_config(settings.config_path())
        session = boto3.session.Session(region_name=settings.aws_region)
        dynamodb = session.resource("dynamodb")
        releases = ReleaseStore(dynamodb.Table(settings.releases_table))
        slack = _slack_from_config(config, releases, session)
        return cls(
            config=config,
            releases=releases,
            colors=ActiveColorStore(config.parameter_name, client("ssm", session)),
            alarms=AlarmReader(client("cloudwatch", session)),
            kube=EksApiClientFactory(config.cluster.name, client("eks", session), settings.aws_region),
            sfn=client("stepfunctions", session),
            acks=GatewayAckReader(dynamodb.Table(settings.acks_table)) if settings.acks_table else None,
            http=httpx.Client(timeout=config.smoke.timeout_seconds, verify=config.smoke.verify_tls),
            notifier=slack or LogNotifier(),
            slack=slack,
        )


def _slack_from_config(
    config: AppConfig, releases: ReleaseStore, session: boto3.session.Session
) -> SlackNotifier | None:
    """A SlackNotifier when Slack is configured; its bot token is read from Secrets Manager on first use."""
    approvals = config.approvals
    if approvals.slack_channel is None or approvals.slack_bot_token_secret is None:
        return None
    secret_name = approvals.slack_bot_token_secret

    def token() -> str:
        from bluegreen.smoke import SecretsManagerSecrets

        return SecretsManagerSecrets(client("secretsmanager", session)).get_secret(secret_name)

    def message_ref(release_id: str) -> MessageRef | None:
        record = releases.get_record(release_id) or {}
        return MessageRef.from_record(record.get("slack_message"))

    return SlackNotifier(token=token, channel=approvals.slack_channel, message_ref=message_ref)
