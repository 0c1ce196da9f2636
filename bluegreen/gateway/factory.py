"""Builds the real agent from its config: AWS JSON clients, nginx commands, the applier for the mode.

No boto3 here: the agent talks to SSM and DynamoDB through bluegreen.gateway.aws (stdlib only), which
keeps the resident daemon's memory small (docs/decision_log.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from bluegreen.gateway.acks import DynamoAckWriter
from bluegreen.gateway.agent import Agent, AgentSettings, Applier
from bluegreen.gateway.aws import CredentialChain, JsonApiClient, JsonCaller, resolve_region
from bluegreen.gateway.config import GatewayConfig, Mode
from bluegreen.gateway.nginx_control import AdminClient, NginxCommands
from bluegreen.gateway.nginx_reload import ReloadApplier
from bluegreen.gateway.nginx_runtime import RuntimeApplier
from bluegreen.gateway.ssm_source import SsmParameterSource
from bluegreen.gateway.state import StateStore
from bluegreen.gateway.upstreams import (
    Resolver,
    ResolvingUpstreams,
    StaticUpstreams,
    UpstreamSource,
    system_resolver,
)

USER_AGENT = "bluegreen-gateway"


def build_upstreams(config: GatewayConfig, resolver: Resolver = system_resolver) -> UpstreamSource:
    blue, green = config.upstreams.blue, config.upstreams.green
    if config.upstreams.resolve_seconds == 0:
        return StaticUpstreams(blue, green)
    return ResolvingUpstreams(blue, green, config.upstreams.resolve_seconds, resolver)


def build_applier(config: GatewayConfig, upstreams: UpstreamSource | None = None) -> Applier:
    commands = NginxCommands(config.nginx.command, config.nginx.command_timeout_seconds)
    admin = AdminClient(config.nginx.admin_port, config.nginx.admin_timeout_seconds)
    if config.mode is Mode.RUNTIME:
        return RuntimeApplier(config, commands, admin, upstreams)
    return ReloadApplier(config, commands, admin, config.nginx.verify_timeout_seconds, upstreams)


def build_clients(
    config: GatewayConfig, environ: Mapping[str, str] | None = None
) -> tuple[JsonCaller, JsonCaller]:
    """SSM and DynamoDB clients: one attempt per call; the agent's own jittered backoff decides retries."""
    credentials = CredentialChain(environ=environ)
    region = resolve_region(config.aws.region, environ=environ, imds=credentials.imds)

    def client(
        service: str, target_prefix: str, json_version: str, endpoint_url: str | None
    ) -> JsonApiClient:
        return JsonApiClient(
            service=service,
            target_prefix=target_prefix,
            json_version=json_version,
            region=region,
            credentials=credentials,
            endpoint_url=endpoint_url,
            connect_timeout=config.aws.connect_timeout_seconds,
            read_timeout=config.aws.read_timeout_seconds,
            user_agent=USER_AGENT,
        )

    ssm = client("ssm", "AmazonSSM", "1.1", config.aws.ssm_endpoint_url)
    dynamodb = client("dynamodb", "DynamoDB_20120810", "1.0", config.aws.dynamodb_endpoint_url)
    return ssm, dynamodb


def build_agent(
    config: GatewayConfig,
    *,
    ssm: JsonCaller | None = None,
    dynamodb: JsonCaller | None = None,
    applier: Applier | None = None,
    environ: Mapping[str, str] | None = None,
    resolver: Resolver = system_resolver,
) -> Agent:
    if ssm is None or dynamodb is None:
        built_ssm, built_dynamodb = build_clients(config, environ)
        ssm = ssm or built_ssm
        dynamodb = dynamodb or built_dynamodb
    upstreams = build_upstreams(config, resolver)
    return Agent(
        settings=AgentSettings.from_config(config),
        source=SsmParameterSource(ssm, config.parameter_name),
        applier=applier or build_applier(config, upstreams),
        acks=DynamoAckWriter(dynamodb, config.ack_table),
        store=StateStore(config.state_file),
        upstreams=upstreams,
    )
