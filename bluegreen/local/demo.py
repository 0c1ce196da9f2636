"""`make demo`: a whole release of myapp v1 -> v2 on this machine, with no AWS account.

moto executes the real statemachines/release.asl.json and routes each Lambda task to the real
handler; the handlers reach the fake Kubernetes API server over HTTP with the official client;
a loopback server stands in for preprod.myapp.com; gateways acknowledge as the agent does; an
approver approves automatically. Waits are virtual: the timeline shows how long each would take
on AWS with config/myapp.yaml, next to how long it took here.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
APPROVER = "arn:aws:sts::123456789012:assumed-role/release-approver/approver@myapp.com"


def _summarize(state: str, output: dict[str, Any]) -> str:
    """One line on what a step did, from its output in the execution history."""
    if state == "Prepare":
        release = output.get("release", {})
        return (
            f"live on {release.get('active_color')} (parameter v{release.get('parameter_version')}), "
            f"deploying {release.get('version')} to {release.get('idle_color')}"
        )
    if state == "DeployToIdle":
        services = output.get("deploy", {}).get("services", [])
        return ", ".join(f"{s['name']}={s['image'].rsplit('/', 1)[-1]} x{s['replicas']}" for s in services)
    if state == "CheckRollout":
        rollout = output.get("rollout", {})
        return (
            "all deployments ready" if rollout.get("done") else f"waiting for {', '.join(rollout['pending'])}"
        )
    if state == "SmokeTests":
        return str(output.get("smoke", {}).get("summary", ""))
    if state == "RequestApproval":
        approval = output.get("approval", {})
        return f"approved by {', '.join(approval.get('approved_by', []))}"
    if state == "Switch":
        switch = output.get("switch", {})
        version = switch.get("parameter_version")
        return f"{switch.get('previous_color')} -> {switch.get('new_color')} (parameter v{version})"
    if state == "ConfirmGateways":
        gateways = output.get("gateways", {})
        held = ", ".join(
            f"{g['gateway_id']}={g['color']} v{g['parameter_version']}" for g in gateways.get("gateways", [])
        )
        return ("confirmed: " if gateways.get("confirmed") else "waiting: ") + held
    if state == "CheckBake":
        bake = output.get("bake", {})
        alarms = ", ".join(f"{k}={v}" for k, v in bake.get("alarms", {}).items())
        return ("baked" if bake.get("done") else "baking") + f" ({alarms})"
    if state in ("Finish", "RecordFailure"):
        outcome = output.get("outcome", {})
        return f"{outcome.get('outcome')}" + (f": {outcome['reason']}" if outcome.get("reason") else "")
    return ""


def timeline(history: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    start: datetime = history[0]["timestamp"]
    entered: dict[str, Any] = {}
    for event in history:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            entered = event
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            name = details["name"]
            output = json.loads(details.get("output") or "{}")
            offset = (entered["timestamp"] - start).total_seconds() * 1000
            took = (event["timestamp"] - entered["timestamp"]).total_seconds() * 1000
            note = _summarize(name, output) if isinstance(output, dict) else ""
            if kind == "WaitStateExited":
                note = "(virtual wait)"
            if kind.startswith("Choice"):
                continue
            lines.append(f"  {offset:8.0f} ms  {took:6.0f} ms  {name:<22} {note}")
        elif kind in ("ExecutionSucceeded", "ExecutionFailed"):
            offset = (event["timestamp"] - start).total_seconds() * 1000
            lines.append(f"  {offset:8.0f} ms  {'':>9}  {kind}")
    return lines


def run(version: str, config_path: Path) -> int:
    from bluegreen.adapters.kube import StaticApiClientFactory
    from bluegreen.config import AppConfig, load_config
    from bluegreen.local.cluster import seed_cluster
    from bluegreen.local.fake_kube import FakeKubeServer, RolloutMode
    from bluegreen.local.preprod import FakePreprod
    from bluegreen.local.workflow import LocalWorkflow

    base = load_config(config_path)
    with FakePreprod() as preprod, FakeKubeServer() as kube:
        data = base.model_dump(mode="json", exclude_none=True)
        data["smoke"] = {"base_url": preprod.url}  # preprod.myapp.com, on loopback
        config = AppConfig.model_validate(data)
        seed_cluster(kube, config)
        kube.auto_complete = True
        kube.store.default_mode = RolloutMode.COMPLETE
        print(f"bluegreen demo: {config.app}/{config.environment} from {config_path}")
        print(f"  cluster (fake API server) {kube.url}: blue runs v1, green runs a stale v0")
        print(f"  preprod stand-in {preprod.url}; gateways {', '.join(config.gateways.ids)}")
        with LocalWorkflow(config, StaticApiClientFactory(kube.client_configuration())) as workflow:
            before = workflow.runtime.colors.read()
            print(f"  myapp.com is on {before.color.value} (parameter v{before.version})\n")
            started = time.perf_counter()
            arn = workflow.start(
                {"version": version, "triggered_by": "demo-pipeline", "change_ref": "DEMO-1"}
            )
            release_id = arn.rsplit(":", 1)[-1]
            workflow.wait_for_approval_request(release_id)
            print(f"release {release_id}: waiting for approval; approving as {APPROVER}")
            workflow.decide(release_id, "approve", APPROVER)
            end = workflow.wait_for_end(arn, timeout=120)
            elapsed = time.perf_counter() - started
            history = workflow.history(arn)
            print("\n   started   took   step")
            print("\n".join(timeline(history)))
            after = workflow.runtime.colors.read()
            record = workflow.record(release_id)
            transitions = sum(1 for e in history if e["type"].endswith("StateEntered"))
            print(
                f"\noutcome: {record.get('outcome')} ({end['status']}) in {elapsed:.2f} s, "
                f"{transitions} transitions"
            )
            print(f"myapp.com: {before.color.value} -> {after.color.value} (parameter v{after.version})")
            idle = config.namespaces.of(after.color)
            for service in config.services:
                obj = kube.get_object("Deployment", idle, service.deployment_name) or {}
                image = next(
                    c["image"]
                    for c in obj["spec"]["template"]["spec"]["containers"]
                    if c["name"] == service.container_name
                )
                print(f"  {idle}/{service.name}: {image.rsplit('/', 1)[-1]}")
            print("\nnotifications:")
            for note in workflow.aws.notifier.sent:
                print(f"  [{note.event}] {note.text}")
            return 0 if end["status"] == "SUCCEEDED" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="v2", help="the version to release (default v2)")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "myapp.yaml")
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    logging.basicConfig(level=logging.WARNING)
    return run(args.version, args.config)


if __name__ == "__main__":
    sys.exit(main())
