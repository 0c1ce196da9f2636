"""Benchmark: an app's smoke suite's wall time against its slowest scenario.

Runs the config's suite (default: the example, config/myapp.yaml) against the app's local
stand-ins (bluegreen.local.stand_in, from its rehearsal overlay) over verified TLS on loopback,
with fixed server-side delays per kind of service, and prints the median of
several runs: wall time, slowest scenario, and the sum of all scenarios (what a sequential
runner would take). Usage: `make bench-smoke` or `python scripts/bench_smoke.py --runs 5`.
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bluegreen.local.rehearsed_app import EXAMPLE_CONFIG, RehearsedApp  # noqa: E402
from bluegreen.local.stand_in.api import StandInApi  # noqa: E402
from bluegreen.local.stand_in.server import StandInServer  # noqa: E402
from bluegreen.smoke import InMemorySecrets, run_suite  # noqa: E402
from tests.integration.smoke.tls import make_tls_files  # noqa: E402

DELAYS_MS = {"health": 50, "sessions": 100, "profiles": 150, "payments": 300}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--config", type=Path, default=EXAMPLE_CONFIG)
    args = parser.parse_args()

    app = RehearsedApp.load(args.config)
    suite = app.config.smoke.suite
    if suite is None:
        print(f"{args.config} has no smoke suite", file=sys.stderr)
        return 2
    tls = make_tls_files(Path(tempfile.mkdtemp(prefix="bench-smoke-")))

    def factory(**kwargs: Any) -> httpx.Client:
        kwargs["verify"] = tls.client_context()
        return httpx.Client(**kwargs)

    walls: list[float] = []
    slowest: list[float] = []
    sums: list[float] = []
    secrets = InMemorySecrets(app.secret_strings())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert, tls.key)
    api = StandInApi(app.spec("preprod", None))
    api.faults.delay_ms.update({s.prefix: DELAYS_MS[s.kind] for s in app.stand_ins()})
    with StandInServer(api, ssl_context=context) as server:
        for _ in range(args.runs):
            started = time.perf_counter()
            report = run_suite(
                suite, server.url, secrets=secrets, deadline_seconds=60, client_factory=factory
            )
            walls.append((time.perf_counter() - started) * 1000)
            if not report.passed:
                print(report.summary_text(), file=sys.stderr)
                return 1
            durations = [scenario.duration_ms for scenario in report.scenarios]
            slowest.append(max(durations))
            sums.append(sum(durations))

    wall, top, total = statistics.median(walls), statistics.median(slowest), statistics.median(sums)
    steps = sum(len(scenario.steps) for scenario in suite.scenarios)
    print(f"{app.config.app} suite: {len(suite.scenarios)} scenarios, {steps} steps; delays {DELAYS_MS}")
    print(f"median of {args.runs} runs over verified TLS on loopback:")
    print("| wall time | slowest scenario | sum of scenarios | wall / slowest | wall / sum |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {wall:.0f} ms | {top:.0f} ms | {total:.0f} ms | {wall / top:.2f} | {wall / total:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
