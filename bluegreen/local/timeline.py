"""A release's timeline, one line per step, from its Step Functions execution history: when each
step started, how long it took, and what it did (from the step's output)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


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
        return str(output.get("smoke", {}).get("summary", "")).split("\n", 1)[0]
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
        reason = str(outcome.get("reason") or "").split("\n", 1)[0]
        return f"{outcome.get('outcome')}" + (f": {reason}" if reason else "")
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
