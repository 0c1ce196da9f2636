"""Benchmark: the default smoke suite's wall time against its slowest scenario.

Runs config/myapp.yaml's suite against the emulated myapp API (tests/integration/smoke) over
verified TLS on loopback, with fixed server-side delays per service, and prints the median of
several runs: wall time, slowest scenario, and the sum of all scenarios (what a sequential
runner would take). Usage: `make bench-smoke` or `python scripts/bench_smoke.py --runs 5`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bluegreen.config import load_config  # noqa: E402
from bluegreen.smoke import InMemorySecrets, run_suite  # noqa: E402
from tests.integration.smoke.myapp_api import SECRETS, MyAppApi, make_tls_files  # noqa: E402

DELAYS_MS = {"/user-login": 100, "/user-profile": 150, "/payment": 300}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--config", type=Path, default=REPO / "config" / "myapp.yaml")
    args = parser.parse_args()

    suite = load_config(args.config).smoke.suite
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
    with MyAppApi("trusted", tls) as api:
        api.switches.delay_ms.update(DELAYS_MS)
        for _ in range(args.runs):
            started = time.perf_counter()
            report = run_suite(
                suite, api.url, secrets=InMemorySecrets(SECRETS), deadline_seconds=60, client_factory=factory
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
    print(f"default suite: {len(suite.scenarios)} scenarios, {steps} steps; server delays {DELAYS_MS}")
    print(f"median of {args.runs} runs over verified TLS on loopback:")
    print("| wall time | slowest scenario | sum of scenarios | wall / slowest | wall / sum |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {wall:.0f} ms | {top:.0f} ms | {total:.0f} ms | {wall / top:.2f} | {wall / total:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
