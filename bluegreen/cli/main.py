"""The `bluegreen` command group. Each command module registers itself here."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click
from botocore.exceptions import BotoCoreError, ClientError

from bluegreen.cli.context import CliContext


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default="config/myapp.yaml",
    envvar="BLUEGREEN_CONFIG",
    show_default=True,
    help="The app config (config/<app>.yaml).",
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
    config_path: Path,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    stack_name: str | None,
    as_json: bool,
) -> None:
    """Blue-green releases of an application's services on EKS (the app `--config` names)."""
    ctx.obj = CliContext(config_path, region, profile, endpoint_url, stack_name, as_json)


# sysexits.h EX_USAGE. Click's default for a usage error is 2, which `release start --wait` uses for
# "rejected": a typo in a pipeline must never read as an approver's decision.
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> None:
    """The console entry point: click's own handling, except that usage errors exit 64, not 2, and
    AWS errors (no region, no credentials, access denied) are one line, not a traceback (exit 1)."""
    from bluegreen.cli import commands  # noqa: F401 - registers the commands on `cli`

    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="bluegreen", standalone_mode=False
        )
    except click.UsageError as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except (BotoCoreError, ClientError) as exc:  # no region or credentials, access denied, throttled, ...
        click.echo(f"Error: AWS: {exc}", err=True)
        sys.exit(1)
    # ctx.exit(code) comes back as the return value; a command that returns normally exits 0.
    sys.exit(result if isinstance(result, int) else 0)
