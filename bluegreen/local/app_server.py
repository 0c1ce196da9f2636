"""One colour's pods, as a local process: every service deployed there, at the version deployed.

`python -m bluegreen.local.app_server --port P --spec pods-green.json`

The spec (bluegreen.local.stand_in.api.StandInSpec as JSON) says the colour, each service's path,
health path and job (health only, sessions, profiles, payments), the versions deployed and the
faults of a bad release. The rehearsal restarts the process whenever the colour's deployments
change, as new pods would replace the old ones. Each request is logged as `METHOD path status`.
Standard library only, so that it starts in a blink.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

from bluegreen.local.stand_in.api import StandInApi, StandInSpec
from bluegreen.local.stand_in.server import StandInServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", type=Path, required=True, help="a StandInSpec as JSON")
    parser.add_argument("--tag", default="", help="ignored: marks the process as the rehearsal's")
    args = parser.parse_args(argv)
    spec = StandInSpec.from_json(args.spec.read_text(encoding="utf-8"))

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    StandInServer(StandInApi(spec), port=args.port, access_log=sys.stdout).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
