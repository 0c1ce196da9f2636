"""Slack: the bot token works, has the scopes the release uses, and can post in the channel."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bluegreen.doctor.checks import Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, fail, ok, warn

G = Group.SLACK
SCOPES_HEADER = "x-oauth-scopes"


def check_slack(env: DoctorEnv, token: str | None, checks: Checks) -> None:
    approvals = env.config.approvals
    if not approvals.slack_channel and not approvals.slack_bot_token_secret:
        checks.add(ok(G, "slack", "not configured: release news goes to the logs only"))
        return
    if not approvals.slack_enabled:
        checks.add(
            warn(
                G,
                "slack",
                "approvals.slack_channel and approvals.slack_bot_token_secret must both be set; "
                "without both nothing is posted",
                "set the missing one, or remove the other",
            )
        )
        return
    if token is None:
        return  # the secrets check says why
    client = env.slack(token)
    scopes: set[str] | None = None
    with checks.guard(G, "slack token"):
        try:
            identity = client.auth_test()
        except SlackApiError as exc:
            checks.add(
                fail(
                    G,
                    "slack token",
                    f"Slack refused it: {exc.response.get('error')}",
                    f"put a valid bot token (xoxb-...) into {approvals.slack_bot_token_secret}: "
                    f"`aws secretsmanager put-secret-value --secret-id {approvals.slack_bot_token_secret} "
                    "--secret-string ...`",
                )
            )
            return
        headers = {str(k).lower(): str(v) for k, v in (identity.headers or {}).items()}
        if SCOPES_HEADER in headers:
            scopes = {s.strip() for s in headers[SCOPES_HEADER].split(",") if s.strip()}
        # users:read(.email): who clicked is the person their Slack email names (users.info)
        needed = ["chat:write", "users:read", "users:read.email"] + (
            ["usergroups:read"] if approvals.slack_approver_groups else []
        )
        missing = [s for s in needed if scopes is not None and s not in scopes]
        user = identity.get("user") or identity.get("user_id")
        who = f"{user} in {identity.get('team') or identity.get('team_id')}"
        if missing:
            checks.add(
                fail(
                    G,
                    "slack token",
                    f"{who}, but without scope(s) {', '.join(missing)}",
                    "add them under OAuth & Permissions of the Slack app, reinstall it, and store the new "
                    "token in the secret",
                )
            )
        else:
            checks.add(ok(G, "slack token", who + ("" if scopes is not None else " (scopes not reported)")))
    with checks.guard(G, "slack channel"):
        _check_channel(env, client, scopes, checks)


def _check_channel(env: DoctorEnv, client: WebClient, scopes: set[str] | None, checks: Checks) -> None:
    channel = str(env.config.approvals.slack_channel)
    check = f"slack channel {channel}"
    try:
        info = client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "missing_scope":
            checks.add(
                warn(
                    G,
                    check,
                    "not checked: the token lacks channels:read (groups:read for a private channel)",
                    "add the scope so that doctor can check the channel, or invite the bot by hand",
                )
            )
            return
        checks.add(
            fail(
                G,
                check,
                f"Slack answered {error}: approval requests could not be posted",
                "set approvals.slack_channel to the channel's id (C...), and invite the app: "
                "`/invite @<app>`",
            )
        )
        return
    data = info.get("channel") or {}
    name = f"#{data.get('name', channel)}"
    if data.get("is_archived"):
        checks.add(fail(G, check, f"{name} is archived", "unarchive it, or pick another channel"))
    elif not data.get("is_member") and not (
        scopes is not None and "chat:write.public" in scopes and not data.get("is_private")
    ):
        checks.add(
            fail(
                G,
                check,
                f"the bot is not a member of {name}: posting answers not_in_channel",
                f"in {name}: `/invite @<app>`",
            )
        )
    else:
        checks.add(ok(G, check, f"{name}, the bot can post"))
