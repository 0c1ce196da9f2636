"""The `bluegreen` console script: a clear message when the `release` extra is not installed.

A gateway instance installs bluegreen without extras (the agent needs only PyYAML); the release CLI
needs click, rich, boto3 and pydantic from `bluegreen[release]`.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from bluegreen.cli.main import main as cli_main
    except ImportError as exc:
        sys.exit(
            f"bluegreen: the release CLI needs the 'release' extra: pip install 'bluegreen[release]' "
            f"(missing: {exc.name or exc})"
        )
    cli_main()
