"""Builds the real agent from its config: boto3 clients, nginx commands, the applier for the mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bluegreen.gateway.acks import DynamoAckWriter
from bluegreen.gateway.agent import Agent, AgentSettings, Applier
from bluegreen.gateway.config import GatewayConfig, Mode
from bluegreen.gateway.nginx_control import AdminClient, NginxCommands
from bluegreen.gateway.nginx_reload import ReloadApplier
from bluegreen.gateway.nginx_runtime import RuntimeApplier
from bluegreen.gateway.ssm_source import SsmParameterSource
from bluegreen.gateway.state import StateStore

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ssm import SSMClient


def build_applier(config: GatewayConfig) -> Applier:
    commands = NginxCommands(config.nginx.command, config.nginx.command_timeout_seconds)
    admin = AdminClient(config.nginx.admin_port, config.nginx.admin_timeout_seconds)
    if config.mode is Mode.RUNTIME:
        return RuntimeApplier(config, commands, admin)
    return ReloadApplier(config, commands, admin, config.nginx.verify_timeout_seconds)


def build_clients(
    config: GatewayConfig, session: boto3.session.Session | None = None
) -> tuple[SSMClient, DynamoDBClient]:
    """One attempt per call (botocore retries off): the agent's own jittered backoff decides when to retry."""
    import boto3
    from botocore.config import Config

    client_config = Config(
        connect_timeout=config.aws.connect_timeout_seconds,
        read_timeout=config.aws.read_timeout_seconds,
        retries={"total_max_attempts": 1, "mode": "standard"},
        user_agent_extra="bluegreen-gateway",
    )
    session = session or boto3.session.Session()
    region = config.aws.region
    ssm = session.client(
        "ssm", region_name=region, endpoint_url=config.aws.ssm_endpoint_url, config=client_config
    )
    dynamodb = session.client(
        "dynamodb", region_name=region, endpoint_url=config.aws.dynamodb_endpoint_url, config=client_config
    )
    return ssm, dynamodb


def build_agent(
    config: GatewayConfig,
    *,
    ssm: SSMClient | None = None,
    dynamodb: DynamoDBClient | None = None,
    applier: Applier | None = None,
    session: boto3.session.Session | None = None,
) -> Agent:
    if ssm is None or dynamodb is None:
        built_ssm, built_dynamodb = build_clients(config, session)
        ssm = ssm or built_ssm
        dynamodb = dynamodb or built_dynamodb
    return Agent(
        settings=AgentSettings.from_config(config),
        source=SsmParameterSource(ssm, config.parameter_name),
        applier=applier or build_applier(config),
        acks=DynamoAckWriter(dynamodb, config.ack_table),
        store=StateStore(config.state_file),
    )
