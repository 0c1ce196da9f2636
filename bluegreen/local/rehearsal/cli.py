"""The rehearsal's command line: `python -m bluegreen.local.rehearsal --config config/<app>.yaml`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bluegreen.local.rehearsal.processes import signals_unwind
from bluegreen.local.rehearsal.scenario import Options, Rehearsal
from bluegreen.local.rehearsed_app import EXAMPLE_CONFIG


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="make demo",
        description="A full local rehearsal of a release of the configured app: the real workflow on "
        "moto, real nginx gateways, local pods, the app's own smoke suite.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=EXAMPLE_CONFIG,
        help="the app config (default: the example, config/myapp.yaml; `make demo CONFIG=...`)",
    )
    parser.add_argument(
        "--overlay", type=Path, help="the rehearsal overlay (default: config/rehearsal/<config file name>)"
    )
    parser.add_argument("--version", default="v2", help="the version to release (default v2)")
    parser.add_argument(
        "--manual", action="store_true", help="wait for `bluegreen approve` from another terminal"
    )
    parser.add_argument(
        "--alarm",
        choices=["after", "bake", "none"],
        default="after",
        help="when the alarm fires: after the release (default; AlarmRollback), during the bake, never",
    )
    parser.add_argument("--no-alarm", action="store_true", help="the same as --alarm none")
    parser.add_argument(
        "--broken-payments",
        action="store_true",
        help="the released version's payment service declines Visa cards: the smoke suite fails and "
        "the release stops before anyone is asked to approve",
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep nginx files and logs here (default: a temporary dir)"
    )
    args = parser.parse_args(argv)
    return Options(
        config_path=args.config,
        overlay_path=args.overlay,
        version=args.version,
        manual=args.manual,
        alarm="none" if args.no_alarm else args.alarm,
        broken_payments=args.broken_payments,
        workdir=args.workdir,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    # The functions' warnings (a failed smoke step, say) are in the report and summary printed at the end.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    logging.basicConfig(level=logging.WARNING)
    # The handlers' logger exists already (imported above, at the level of the environment then):
    # set it too, or every line of theirs is printed twice, as JSON and through the root handler.
    logging.getLogger("bluegreen").setLevel(os.environ["POWERTOOLS_LOG_LEVEL"])
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    rehearsal = Rehearsal(options)
    try:
        with signals_unwind():
            return rehearsal.run()
    except KeyboardInterrupt:
        print("\nstopped: every process the rehearsal started is gone", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
