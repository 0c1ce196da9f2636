"""`bluegreen doctor`: is everything a release needs in place? Read-only; one line per check, with
its fix. Exit 0 when a release could run now, 1 when a check failed.

Kubernetes is reached as the functions reach it (the EKS endpoint with an IAM token), or through a
kubeconfig, or at `--kube-url` (the local rehearsal's fake cluster).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from kubernetes import client as k8s
from kubernetes import config as kube_config
from rich.console import Console
from rich.text import Text
from slack_sdk import WebClient

from bluegreen.adapters.aws import RETRYING
from bluegreen.adapters.kube import ApiClientFactory, EksApiClientFactory, StaticApiClientFactory, eks_token
from bluegreen.cli.context import CliContext, CliError, json_option, pass_cli
from bluegreen.doctor import DoctorEnv, Report, Status, forbid_writes, run_doctor
from bluegreen.stack_outputs import CLI_OUTPUTS, stack_name

STYLES = {Status.OK: ("ok  ", "green"), Status.WARN: ("warn", "yellow"), Status.FAIL: ("FAIL", "bold red")}


def named_resources(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Resources named by BLUEGREEN_* variables, as the other commands read them."""
    env = os.environ if environ is None else environ
    return {name: env[o.env_var] for name, o in CLI_OUTPUTS.items() if env.get(o.env_var)}


def _kube(
    obj: CliContext, region: str, kube_url: str | None, kubeconfig: Path | None, context: str | None
) -> ApiClientFactory:
    if kube_url:
        configuration = k8s.Configuration()
        configuration.host = kube_url
        return StaticApiClientFactory(configuration)
    if kubeconfig or context:
        configuration = k8s.Configuration()
        kube_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig) if kubeconfig else None,
            context=context,
            client_configuration=configuration,
        )
        return StaticApiClientFactory(configuration)
    botocore_session = obj.session._session  # the CLI's profile signs the token, as it signs the rest

    def token(cluster: str, token_region: str) -> str:
        return eks_token(cluster, token_region, botocore_session)

    eks = obj.session.client("eks", endpoint_url=obj.endpoint_url, config=RETRYING)
    return EksApiClientFactory(obj.config.cluster.name, eks, region, token_source=token)


def _render(report: Report, header: str, console: Console) -> None:
    console.print(header, soft_wrap=True, markup=False, highlight=False)
    group = None
    for result in report.results:
        if result.group is not group:
            group = result.group
            console.print(Text(group.value, style="bold"), soft_wrap=True)
        label, style = STYLES[result.status]
        line = Text.assemble("  ", (label, style), f"  {result.check}: {result.detail}")
        if result.fix:
            line.append(f" — fix: {result.fix}")
        console.print(line, soft_wrap=True)
    counts = f"{report.count(Status.OK)} ok, {report.count(Status.WARN)} warning(s)"
    if report.ready:
        console.print(Text(f"ready: a release could run now ({counts})", style="green"), soft_wrap=True)
    else:
        console.print(
            Text(
                f"not ready: {report.count(Status.FAIL)} check(s) failed ({counts})",
                style="bold red",
            ),
            soft_wrap=True,
        )


@click.command()
@click.option(
    "--kube-url",
    envvar="BLUEGREEN_KUBE_URL",
    help="Kubernetes API URL to use instead of the EKS endpoint (the local rehearsal's fake cluster).",
)
@click.option(
    "--kubeconfig",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Reach the cluster through this kubeconfig instead of an EKS IAM token.",
)
@click.option("--kube-context", help="The kubeconfig context to use.")
@click.option(
    "--slack-api-url",
    envvar="BLUEGREEN_SLACK_API_URL",
    default=WebClient.BASE_URL,
    show_default=True,
    help="Slack Web API base URL.",
)
@json_option
@pass_cli
@click.pass_context
def doctor(
    ctx: click.Context,
    obj: CliContext,
    kube_url: str | None,
    kubeconfig: Path | None,
    kube_context: str | None,
    slack_api_url: str,
) -> None:
    """Check, without changing anything, that a release could run now.

    The stack and its outputs; the cluster's authentication mode and the functions' access entries;
    both namespaces, their Deployments and what their pods reference; the images in ECR; the
    active-colour parameter; the watched alarms; the gateways' heartbeats; Slack; the secrets; the
    network from the functions' subnets; the release lock. Exit 0 when nothing fails, 1 otherwise.
    """
    forbid_writes(obj.session.events)  # before any client is made from the session
    region = obj.session.region_name
    if not region:
        raise CliError("no AWS region: pass --region or set AWS_REGION")

    def aws(service: str, client_region: str | None = None) -> Any:
        return obj.session.client(  # type: ignore[call-overload]
            service, region_name=client_region or region, endpoint_url=obj.endpoint_url, config=RETRYING
        )

    config = obj.config
    env = DoctorEnv(
        config=config,
        aws=aws,
        region=region,
        kube=_kube(obj, region, kube_url, kubeconfig, kube_context),
        slack=lambda token: WebClient(token=token, base_url=slack_api_url, timeout=10),
        stack_name=obj.stack_name or stack_name(config.app, config.environment),
        named=named_resources(),
    )
    report = run_doctor(env)
    header = f"bluegreen doctor: {config.app}/{config.environment}, stack {env.stack_name}, {region}"
    obj.emit(
        {**report.as_dict(), "stack": env.stack_name, "region": region},
        lambda console: _render(report, header, console),
    )
    ctx.exit(0 if report.ready else 1)
