"""`make demo-quick`: a whole release of the configured app in one process, with no AWS account.

moto executes the real statemachines/release.asl.json and routes each Lambda task to the real
handler; the handlers reach the fake Kubernetes API server over HTTP with the official client; the
app's smoke suite runs against its local stand-ins (bluegreen.local.stand_in, on loopback in place
of the preprod domain) with its secrets in moto's Secrets Manager; gateways acknowledge as the agent
does; the configured approvers approve. Waits are virtual: the timeline shows how long each step
would take on AWS with the config, next to how long it took here. `make demo` is the full rehearsal
(real nginx gateways, a process per colour).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import boto3

from bluegreen.errors import ConfigError
from bluegreen.local.rehearsed_app import EXAMPLE_CONFIG, RehearsedApp
from bluegreen.local.timeline import timeline

EXIT_SETUP = 2


def run(version: str, config_path: Path, overlay_path: Path | None = None) -> int:
    from bluegreen.local.cluster import seed_cluster
    from bluegreen.local.cluster_access import FunctionKube, function_cluster_access
    from bluegreen.local.fake_kube import FakeKubeServer, RolloutMode
    from bluegreen.local.names import ACCOUNT
    from bluegreen.local.stand_in.api import StandInApi
    from bluegreen.local.stand_in.server import StandInServer
    from bluegreen.local.workflow import LocalWorkflow

    try:
        app = RehearsedApp.load(config_path, overlay_path)
        approvers = app.approvers()
    except ConfigError as exc:
        print(f"cannot run the demo: {exc}", file=sys.stderr)
        return EXIT_SETUP
    with StandInServer(StandInApi(app.spec("preprod", None))) as preprod, FakeKubeServer() as kube:
        config = app.local_config(preprod.url)  # the preprod domain, on loopback
        seed_cluster(kube, config)
        kube.auto_complete = True
        kube.store.default_mode = RolloutMode.COMPLETE
        live, idle = config.initial_color, config.initial_color.other()
        print(f"bluegreen demo: {config.app}/{config.environment} from {config_path}")
        print(
            f"  cluster (fake API server) {kube.url}: {live.value} ({config.namespaces.of(live)}) runs v1, "
            f"{idle.value} ({config.namespaces.of(idle)}) a stale v0"
        )
        print(f"  {config.domains.preprod} stand-in {preprod.url}; gateways {', '.join(config.gateways.ids)}")
        kube_for = FunctionKube(kube, function_cluster_access(config), account=ACCOUNT)  # as the stack grants
        with LocalWorkflow(config, kube_for.admin(), kube_for=kube_for) as workflow:
            app.seed_secrets(boto3.client("secretsmanager"))  # inside moto, in the workflow's region
            before = workflow.runtime.colors.read()
            print(f"  {config.domains.live} is on {before.color.value} (parameter v{before.version})\n")
            started = time.perf_counter()
            arn = workflow.start(
                {"version": version, "triggered_by": "demo-pipeline", "change_ref": "DEMO-1"}
            )
            release_id = arn.rsplit(":", 1)[-1]
            workflow.wait_until(
                lambda: (
                    workflow.pending_approval(release_id) is not None
                    or workflow.describe(arn)["status"] != "RUNNING"
                ),
                timeout=120,
                what="an approval request or the end of the release",
            )
            if workflow.pending_approval(release_id) is not None:
                print(f"release {release_id}: waiting for approval; approving as {', '.join(approvers)}")
                for approver in approvers:
                    workflow.decide(release_id, "approve", approver)
            end = workflow.wait_for_end(arn, timeout=120)
            elapsed = time.perf_counter() - started
            history = workflow.history(arn)
            print("\n   started   took   step")
            print("\n".join(timeline(history)))
            after = workflow.runtime.colors.read()
            record = workflow.record(release_id)
            transitions = sum(1 for e in history if e["type"].endswith("StateEntered"))
            print(f"\nsmoke tests: {(record.get('smoke') or {}).get('summary', 'not run')}")
            print(
                f"outcome: {record.get('outcome')} ({end['status']}) in {elapsed:.2f} s, "
                f"{transitions} transitions"
            )
            print(
                f"{config.domains.live}: {before.color.value} -> {after.color.value} "
                f"(parameter v{after.version})"
            )
            idle_namespace = config.namespaces.of(after.color)
            for service in config.services:
                obj = kube.get_object("Deployment", idle_namespace, service.deployment_name) or {}
                image = next(
                    c["image"]
                    for c in obj["spec"]["template"]["spec"]["containers"]
                    if c["name"] == service.container_name
                )
                print(f"  {idle_namespace}/{service.deployment_name}: {image.rsplit('/', 1)[-1]}")
            print(f"\nmetrics ({len(workflow.emf.lines)} EMF documents, as the functions would log them):")
            for line in workflow.emf.summary():
                print(f"  {line}")
            print("\nnotifications:")
            for note in workflow.aws.notifier.sent:
                print(f"  [{note.event}] {note.text}")
            return 0 if end["status"] == "SUCCEEDED" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo-quick", description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="v2", help="the version to release (default v2)")
    parser.add_argument(
        "--config", type=Path, default=EXAMPLE_CONFIG, help="the app config (`make demo-quick CONFIG=...`)"
    )
    parser.add_argument(
        "--overlay", type=Path, help="the rehearsal overlay (default: config/rehearsal/<config file name>)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bluegreen").setLevel(os.environ["POWERTOOLS_LOG_LEVEL"])  # created at import
    return run(args.version, args.config, args.overlay)


if __name__ == "__main__":
    sys.exit(main())
