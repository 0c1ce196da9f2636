"""`bluegreen`: the console entry point over the command group (bluegreen/cli/commands.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
from botocore.exceptions import BotoCoreError, ClientError

from bluegreen.cli.commands import cli

__all__ = ["EXIT_INTERRUPTED", "EXIT_USAGE", "cli", "main"]


# sysexits.h EX_USAGE. Click's default for a usage error is 2, which `release start --wait` uses for
# "rejected": a typo in a pipeline must never read as an approver's decision.
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> None:
    """The console entry point: click's own handling, except that usage errors exit 64, not 2, and
    AWS errors (no region, no credentials, access denied) are one line, not a traceback (exit 1)."""
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
