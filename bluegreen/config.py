"""The application config: one typed model for `config/<app>.yaml`.

Every invalid field is reported with its dotted path and the file it came from, so a
mistake is found at `cdk synth` (and at Lambda start-up), never half-way through a release.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bluegreen.colors import Color
from bluegreen.smoke.model import SmokeSuite
from bluegreen.yaml_config import load_model, parse_model

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
REPOSITORY = r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._/-][a-z0-9]+)*)*$"
PARAMETER_NAME = r"^(/[a-zA-Z0-9_.-]+)+$"

ManifestKind = Literal["Deployment", "Service", "ConfigMap", "Ingress"]
MANIFEST_KINDS: tuple[ManifestKind, ...] = ("Deployment", "Service", "ConfigMap", "Ingress")
"""What the deploy step can server-side apply from a release's manifests."""

DnsLabel = Annotated[str, Field(pattern=DNS_LABEL)]
PositiveSeconds = Annotated[int, Field(ge=1, le=31_536_000)]


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in the config must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceConfig(StrictModel):
    name: DnsLabel
    deployment: DnsLabel | None = Field(default=None, description="Deployment name; defaults to `name`")
    container: DnsLabel | None = Field(default=None, description="Container to update; defaults to `name`")
    repository: Annotated[str, Field(pattern=REPOSITORY)]
    health_path: Annotated[str, Field(pattern=r"^/")] = "/health"

    @property
    def deployment_name(self) -> str:
        return self.deployment or self.name

    @property
    def container_name(self) -> str:
        return self.container or self.name


class NamespacesConfig(StrictModel):
    blue: DnsLabel = "blue"
    green: DnsLabel = "green"

    def of(self, color: Color) -> str:
        return self.blue if color is Color.BLUE else self.green

    @model_validator(mode="after")
    def _distinct(self) -> NamespacesConfig:
        if self.blue == self.green:
            raise ValueError("blue and green must be different namespaces")
        return self


class DomainsConfig(StrictModel):
    live: str = Field(min_length=1, description="Host that always reaches the active colour")
    preprod: str = Field(min_length=1, description="Host that always reaches the idle colour")


class ClusterConfig(StrictModel):
    name: Annotated[str, Field(pattern=r"^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$")]
    vpc_id: Annotated[str, Field(pattern=r"^vpc-[0-9a-f]+$")]
    availability_zones: list[str] = Field(min_length=1)
    subnet_ids: list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]+$")]] = Field(min_length=1)
    security_group_ids: list[Annotated[str, Field(pattern=r"^sg-[0-9a-f]+$")]] = Field(min_length=1)


class GatewaysConfig(StrictModel):
    ids: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]] = Field(min_length=1)
    poll_seconds: PositiveSeconds = 2
    liveness_seconds: PositiveSeconds = Field(
        default=10, description="A gateway whose heartbeat is older than this is not live"
    )
    min_live: Annotated[int, Field(ge=1)] = 1
    confirm_timeout_seconds: PositiveSeconds = 60
    confirm_poll_seconds: PositiveSeconds = 2


class RolloutConfig(StrictModel):
    timeout_seconds: PositiveSeconds = 600
    poll_seconds: PositiveSeconds = 10


class SmokeConfig(StrictModel):
    base_url: Annotated[str, Field(pattern=r"^https?://[^/\s]+$")]
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    verify_tls: bool = True
    deadline_seconds: Annotated[float, Field(gt=0, le=240)] = Field(
        default=120.0, description="Whole suite; keep it below the SmokeTests Lambda timeout"
    )
    suite: SmokeSuite | None = Field(default=None, description="None: per-service health checks only")


SLACK_ID = r"^[A-Z0-9]{2,32}$"
SECRET_NAME = r"^(arn:[^\s]+|[A-Za-z0-9/_+=.@-]{1,512})$"  # noqa: S105 - a pattern, not a secret
IAM_ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$"
PERSON_ID = r"^[^\s\x00-\x1f\x7f-\x9f]{1,256}$"
EVIDENCE = (
    r"^(arn:aws[a-z-]*:(iam|sts)::\d{12}:\S{1,1024}|[a-z][a-z0-9_-]{0,31}:[^\s\x00-\x1f\x7f-\x9f]{1,256})$"
)

PersonId = Annotated[str, Field(pattern=PERSON_ID)]
Evidence = Annotated[str, Field(pattern=EVIDENCE)]
IamRoleArn = Annotated[str, Field(pattern=IAM_ROLE_ARN)]


class IdentitiesConfig(StrictModel):
    """How each door's evidence names a person: one canonical id per person (their work email, say).

    Nothing here is guessed: evidence that maps to no person cannot approve.
    """

    person_session_roles: list[IamRoleArn] = Field(
        default_factory=list,
        description="IAM roles whose session name is the person's canonical id: IAM Identity Center "
        "permission sets, or roles whose trust policy pins the session name to the user",
    )
    pipeline_roles: list[IamRoleArn] = Field(
        default_factory=list,
        description="IAM roles that start releases for someone else (CI): the person is the "
        "pipeline's signed `triggered_by` (github:<actor>, codebuild:<initiator>), mapped in `people`",
    )
    people: dict[PersonId, list[Evidence]] = Field(
        default_factory=dict,
        description="canonical id -> evidence naming that person: slack:<user id>, IAM ARNs "
        "(users, roles, exact role sessions), github:<actor>, codebuild:<initiator>, ...",
    )
    require_verified_trigger: bool = Field(
        default=False,
        description="Refuse releases started without the StartRelease entry point (a direct "
        "StartExecution, whose triggered_by is only a claim)",
    )

    @field_validator("people")
    @classmethod
    def _one_person_per_evidence(cls, people: dict[str, list[str]]) -> dict[str, list[str]]:
        owner: dict[str, str] = {}
        persons: set[str] = set()
        for person, evidence in people.items():
            canonical = person.strip().lower()
            if canonical in persons:
                raise ValueError(f"person {person!r} is listed twice (ids are compared case-insensitively)")
            persons.add(canonical)
            for item in evidence:
                key = item.strip()
                if key in owner and owner[key] != canonical:
                    raise ValueError(f"{item!r} names both {owner[key]!r} and {canonical!r}")
                owner[key] = canonical
        return people


class ApprovalsConfig(StrictModel):
    """Who may approve, how many, for how long, and where people are asked (Slack)."""

    timeout_seconds: PositiveSeconds = 86_400
    approvers: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1,
        description="Who may approve: IAM role/user ARNs (an assumed-role session matches its role), "
        "Slack user ids, and people's canonical ids (from any door that proves them)",
    )
    required_approvals: Annotated[int, Field(ge=1, le=5)] = 1
    allow_self_approval: bool = False
    identities: IdentitiesConfig = IdentitiesConfig()
    slack_channel: Annotated[str, Field(pattern=SLACK_ID)] | None = Field(
        default=None, description="Channel id the approval requests and release news go to"
    )
    slack_approvers: list[Annotated[str, Field(pattern=SLACK_ID)]] = Field(
        default_factory=list, description="Slack user ids allowed to approve (on top of `approvers`)"
    )
    slack_approver_groups: list[Annotated[str, Field(pattern=SLACK_ID)]] = Field(
        default_factory=list, description="Slack user group ids whose members may approve"
    )
    slack_bot_token_secret: Annotated[str, Field(pattern=SECRET_NAME)] | None = Field(
        default=None, description="Secrets Manager secret (name or ARN) holding the bot token"
    )
    slack_signing_secret_secret: Annotated[str, Field(pattern=SECRET_NAME)] | None = Field(
        default=None, description="Secrets Manager secret (name or ARN) holding the signing secret"
    )
    slack_signing_secret_overlap_seconds: Annotated[int, Field(ge=0, le=604_800)] = Field(
        default=3600,
        description="After the signing secret changes, requests signed with the previous one are "
        "still accepted this long (AWSPREVIOUS), so Slack and Secrets Manager need not change at once",
    )

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_channel and self.slack_bot_token_secret)


class ColorPair(StrictModel):
    """A value per colour (e.g. the `LoadBalancer` dimension of each namespace's ALB)."""

    blue: str = Field(min_length=1)
    green: str = Field(min_length=1)

    def of(self, color: Color) -> str:
        return self.blue if color is Color.BLUE else self.green


class PaymentMetricConfig(StrictModel):
    """The payment-failure metric the services publish, one series per colour."""

    name: str = Field(default="PaymentFailures", min_length=1, max_length=255)
    namespace: str | None = Field(
        default=None, min_length=1, max_length=255, description="CloudWatch namespace; `<app>/payments`"
    )
    color_dimension: str = Field(default="Color", min_length=1, max_length=255)
    threshold: Annotated[float, Field(gt=0)] = Field(default=5, description="Failures per period")

    def namespace_for(self, app: str) -> str:
        """The namespace the app's payment service publishes the metric in."""
        return self.namespace or f"{app}/payments"


class AlarmsConfig(StrictModel):
    names: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(
        default_factory=list, description="Existing alarms (any colour) that also roll back"
    )
    load_balancers: ColorPair | None = Field(
        default=None,
        description="Each colour's ALB as its CloudWatch `LoadBalancer` dimension (app/<name>/<id>); "
        "None: no ALB alarms",
    )
    alb_5xx_rate_percent: Annotated[float, Field(gt=0, le=100)] = 5.0
    p99_response_seconds: Annotated[float, Field(gt=0)] = 1.5
    payment_metric: PaymentMetricConfig | None = PaymentMetricConfig()
    period_seconds: Annotated[int, Field(ge=10, le=3600)] = 60
    evaluation_periods: Annotated[int, Field(ge=1, le=60)] = 2

    def health_alarm_name(self, app: str, environment: str, color: Color) -> str:
        """The composite "release health" alarm the stack creates for `color`."""
        return f"bluegreen-{app}-{environment}-{color.value}-release-health"

    @property
    def creates_health_alarms(self) -> bool:
        """The stack creates the per-colour alarms (and their composite) only with something to watch."""
        return self.load_balancers is not None or self.payment_metric is not None

    def rollback_alarm_names(self, app: str, environment: str, live: Color) -> list[str]:
        """What guards `live` (the colour taking traffic): the existing alarms and its health alarm.
        The switch is refused, a bake rolls back, and a finished release rolls back on these."""
        health = [self.health_alarm_name(app, environment, live)] if self.creates_health_alarms else []
        return [*self.names, *health]

    def all_watched_names(self, app: str, environment: str) -> list[str]:
        """Every alarm the release functions read, for both colours."""
        return list(
            dict.fromkeys(
                name for color in Color for name in self.rollback_alarm_names(app, environment, color)
            )
        )


class BakeConfig(StrictModel):
    minutes: Annotated[int, Field(ge=0, le=1440)] = 10
    check_interval_seconds: PositiveSeconds = 60


class RollbackConfig(StrictModel):
    window_minutes: Annotated[int, Field(ge=0, le=10_080)] = 60
    on_alarm: bool = Field(default=True, description="Roll back automatically after the workflow ends")
    scale_down_check_minutes: Annotated[int, Field(ge=1, le=60)] = Field(
        default=5, description="How often the scale-down function looks for a closed window"
    )


class AppConfig(StrictModel):
    app: DnsLabel
    environment: DnsLabel
    services: list[ServiceConfig] = Field(min_length=1)
    namespaces: NamespacesConfig = NamespacesConfig()
    domains: DomainsConfig
    cluster: ClusterConfig
    active_color_parameter: Annotated[str, Field(pattern=PARAMETER_NAME, max_length=1011)] | None = None
    manifests_bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] | None = Field(
        default=None, description="S3 bucket of release manifests (input `manifests`); none: images only"
    )
    manifest_kinds: list[ManifestKind] = Field(
        default_factory=lambda: list(MANIFEST_KINDS),
        description="The kinds a release's manifests may contain (a subset of what the deploy step applies)",
    )
    manifest_repositories: list[Annotated[str, Field(pattern=REPOSITORY)]] = Field(
        default_factory=list,
        description="Repositories any container in a manifest may also use (sidecars); otherwise a "
        "Deployment's containers come only from its service's repository",
    )
    initial_color: Color = Color.BLUE
    gateways: GatewaysConfig
    rollout: RolloutConfig = RolloutConfig()
    smoke: SmokeConfig
    approvals: ApprovalsConfig
    alarms: AlarmsConfig = AlarmsConfig()
    bake: BakeConfig = BakeConfig()
    rollback: RollbackConfig = RollbackConfig()

    @field_validator("services")
    @classmethod
    def _unique_services(cls, services: list[ServiceConfig]) -> list[ServiceConfig]:
        seen: set[str] = set()
        for service in services:
            if service.name in seen:
                raise ValueError(f"service {service.name!r} is listed twice")
            seen.add(service.name)
        return services

    @property
    def parameter_name(self) -> str:
        return self.active_color_parameter or f"/bluegreen/{self.app}/{self.environment}/active-color"

    def service(self, name: str) -> ServiceConfig | None:
        return next((s for s in self.services if s.name == name), None)

    @property
    def service_names(self) -> list[str]:
        return [s.name for s in self.services]

    def watched_alarms(self, taking_traffic: Color) -> list[str]:
        """The alarms that guard `taking_traffic`: they refuse a release and an approval, stop a
        switch, end a bake and roll back a finished release (one list for all of them)."""
        return self.alarms.rollback_alarm_names(self.app, self.environment, taking_traffic)


def parse_config(data: Any, source: str) -> AppConfig:
    """Validate already-parsed config data; `source` names the file in every error."""
    return parse_model(AppConfig, data, source)


def load_config(path: str | Path) -> AppConfig:
    """Read and validate `config/<app>.yaml`."""
    return load_model(AppConfig, path)


def is_dns_label(value: str) -> bool:
    return re.fullmatch(DNS_LABEL, value) is not None
