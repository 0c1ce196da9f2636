"""The `bluegreen` command group and its global options. Commands are added to it in
bluegreen/cli/commands.py, so no command module imports this one's users back."""

from __future__ import annotations

from pathlib import Path

import click

from bluegreen.cli.context import CliContext


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    envvar="BLUEGREEN_CONFIG",
    help="The app config (config/<app>.yaml); or set BLUEGREEN_CONFIG.",
)
@click.option("--region", envvar="AWS_REGION", help="AWS region (default: the profile's).")
@click.option("--profile", envvar="AWS_PROFILE", help="AWS named profile.")
@click.option("--endpoint-url", envvar="BLUEGREEN_ENDPOINT_URL", help="AWS endpoint (a local moto server).")
@click.option(
    "--stack", "stack_name", envvar="BLUEGREEN_STACK", help="Stack name (default BlueGreen-<app>-<env>)."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: Path | None,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    stack_name: str | None,
    as_json: bool,
) -> None:
    """Blue-green releases of an application's services on EKS (the app `--config` names)."""
    ctx.obj = CliContext(config_path, region, profile, endpoint_url, stack_name, as_json)
