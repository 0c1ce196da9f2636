"""`bluegreen approve RELEASE` / `bluegreen reject RELEASE --reason ...`: decide as your IAM identity.

The decision goes to DecideApproval's Function URL (AuthType AWS_IAM), signed with SigV4 from
the caller's credentials. AWS verifies the signature and hands the function the caller's ARN, from
which the person is derived (their session name or a configured mapping) and recorded with it:
the CLI sends what is decided, never who decides.

Exit codes: 0 decided or recorded (a vote of several), 1 refused (the reason is printed).
"""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from bluegreen.cli.context import CliContext, pass_cli
from bluegreen.cli.signed_http import caller_identity, signed_post


def send_decision(
    obj: CliContext, release_id: str, decision: str, reason: str | None
) -> tuple[int, dict[str, Any]]:
    payload = {"release_id": release_id, "decision": decision, "reason": reason}
    return signed_post(obj, obj.resource("decide_url"), payload)


def _decide(obj: CliContext, release_id: str, decision: str, reason: str | None) -> None:
    identity = caller_identity(obj)
    status, data = send_decision(obj, release_id, decision, reason)
    message = str(data.get("message") or data.get("Message") or data.get("error") or f"HTTP {status}")
    decided = status == 200
    if status == 403 and "status" not in data:
        message = f"AWS refused the call for {identity}: {message} (is the approvers policy attached?)"
    result = {
        "release_id": release_id,
        "decision": decision,
        "status": data.get("status", "refused" if not decided else "?"),
        "message": message,
        "approver": data.get("approver", identity),
    }

    def human(console: Console) -> None:
        style = "green" if decided else "red"
        console.print(f"[{style}]{message}[/{style}]  (as {result['approver']})")

    obj.emit(result, human)
    if not decided:
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("release_id")
@click.option("--reason", default=None, help="Why (recorded with the approval).")
@pass_cli
def approve(obj: CliContext, release_id: str, reason: str | None) -> None:
    """Approve RELEASE as your IAM identity (refused if an alarm fires or idle changed)."""
    _decide(obj, release_id, "approve", reason)


@click.command()
@click.argument("release_id")
@click.option("--reason", required=True, help="Why the release is rejected (recorded).")
@pass_cli
def reject(obj: CliContext, release_id: str, reason: str) -> None:
    """Reject RELEASE as your IAM identity: traffic stays where it is, the reason is recorded."""
    _decide(obj, release_id, "reject", reason)
