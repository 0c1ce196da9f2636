"""`make bench-workflow`: state transitions and orchestration wall time of one happy-path release.

The real definition runs in moto with the real handlers and the fake Kubernetes API server; Wait
states are virtual (they move the workflow's clock, not the wall clock), so the wall time printed is
the orchestration's own: handlers, Kubernetes calls over HTTP, DynamoDB/SSM calls, moto's interpreter.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bluegreen.adapters.kube import StaticApiClientFactory
from bluegreen.config import AppConfig
from bluegreen.local.cluster import seed_cluster
from bluegreen.local.fake_kube import FakeKubeServer, RolloutMode
from bluegreen.local.preprod import FakePreprod
from bluegreen.local.rehearsed_app import EXAMPLE_CONFIG, RehearsedApp
from bluegreen.local.workflow import LocalWorkflow


def config_with(base_config: AppConfig, services: int, preprod_url: str) -> AppConfig:
    """The app with `services` services (its own, then more in its registry), health checks only."""
    data = base_config.model_dump(mode="json", exclude_none=True)
    data["smoke"] = {"base_url": preprod_url}
    base = data["services"]
    registry = base[0]["repository"].rsplit("/", 1)[0]
    extra = [
        {
            "name": f"svc-{i:02d}",
            "repository": f"{registry}/svc-{i:02d}",
            "health_path": f"/svc-{i:02d}/health",
        }
        for i in range(1, services - len(base) + 1)
    ]
    data["services"] = (base + extra)[:services]
    return AppConfig.model_validate(data)


def orchestration_seconds(history: list[dict[str, Any]]) -> float:
    """Execution start to end as Step Functions recorded it, less the time a person took to approve
    (from the approval task's submission to its success): the orchestration's own time."""
    start, end = history[0]["timestamp"], history[-1]["timestamp"]
    submitted = next(e["timestamp"] for e in history if e["type"] == "TaskSubmitted")
    decided = next(
        e["timestamp"] for e in history if e["type"] == "TaskSucceeded" and e["timestamp"] >= submitted
    )
    return float(((end - start) - (decided - submitted)).total_seconds())


def run(app: RehearsedApp, services: int, releases: int) -> dict[str, float]:
    approvers = app.approvers()
    with FakePreprod() as preprod, FakeKubeServer() as kube:
        config = config_with(app.config, services, preprod.url)
        seed_cluster(kube, config)
        kube.store.default_mode = RolloutMode.COMPLETE
        with LocalWorkflow(config, StaticApiClientFactory(kube.client_configuration())) as workflow:
            walls: list[float] = []
            orchestration: list[float] = []
            in_handlers: list[float] = []
            transitions: list[int] = []
            for n in range(releases + 1):  # the first run parses the definition: a warm-up, not measured
                workflow.aws.invocations.clear()
                started = time.perf_counter()
                arn = workflow.start({"version": f"v{n + 2}", "triggered_by": "bench"})
                release_id = arn.rsplit(":", 1)[-1]
                workflow.wait_for_approval_request(release_id)
                for approver in approvers:
                    workflow.decide(release_id, "approve", approver)
                end = workflow.wait_for_end(arn)
                elapsed = time.perf_counter() - started
                assert end["status"] == "SUCCEEDED", end
                history = workflow.history(arn)
                kinds = Counter(e["type"] for e in history)
                entered = sum(count for kind, count in kinds.items() if kind.endswith("StateEntered"))
                if n:
                    orchestration.append(orchestration_seconds(history))
                    walls.append(elapsed)
                    in_handlers.append(sum(i.seconds for i in workflow.aws.invocations))
                    transitions.append(entered)
            bake_checks = config.bake.minutes * 60 // config.bake.check_interval_seconds
    return {
        "services": services,
        "transitions": statistics.median(transitions),
        "wall_p50": statistics.median(walls),
        "orchestration_p50": statistics.median(orchestration),
        "orchestration_max": max(orchestration),
        "wall_max": max(walls),
        "handlers_p50": statistics.median(in_handlers),
        "bake_checks": bake_checks,
    }


def main() -> None:
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # handlers' JSON logs would bury the table
    logging.getLogger("bluegreen").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--releases", type=int, default=5, help="measured releases per size (after one warm-up)"
    )
    parser.add_argument(
        "--config", type=Path, default=EXAMPLE_CONFIG, help="the app config (make: CONFIG=...)"
    )
    args = parser.parse_args()
    app = RehearsedApp.load(args.config)
    print(
        "orchestration = execution start to end in its history, less the approver's time (waits are virtual)"
    )
    print("wall = the same seen from the caller (start_execution until it sees the end), approver included")
    print(
        f"{'services':>8} {'transitions':>11} {'orchestration p50/max (s)':>26} {'wall p50 (s)':>12}"
        f" {'in handlers p50 (s)':>19}   goal: <= 60, <= 2 s"
    )
    for size in (3, 12):
        r = run(app, size, args.releases)
        print(
            f"{r['services']:>8} {r['transitions']:>11.0f} "
            f"{r['orchestration_p50']:>18.2f} / {r['orchestration_max']:>5.2f}"
            f" {r['wall_p50']:>12.2f} {r['handlers_p50']:>19.2f}"
        )
    print(f"(bake of {args.config}: {r['bake_checks']:.0f} alarm checks; each adds 3 transitions)")


if __name__ == "__main__":
    main()
