"""The secrets the functions read: the smoke suite's and Slack's. Readable here, with the keys the
suite names; values never leave this module (only the Slack token, handed to the Slack check)."""

from __future__ import annotations

from dataclasses import dataclass

from bluegreen.doctor.checks import ACCESS_DENIED, DOCTOR_POLICY_FIX, Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, fail, ok, warn
from bluegreen.smoke import SecretsManagerSecrets
from bluegreen.smoke.errors import SecretUnavailableError
from bluegreen.smoke.model import SecretRef
from bluegreen.smoke.secrets import resolve

G = Group.SECRETS


@dataclass(frozen=True)
class SlackSecrets:
    bot_token: str | None


def _wanted(env: DoctorEnv) -> dict[str, tuple[list[SecretRef], str]]:
    """secret name -> (the references to it, who reads it)."""
    wanted: dict[str, tuple[list[SecretRef], str]] = {}
    suite = env.config.smoke.suite
    for ref in suite.secrets.values() if suite else []:
        refs, _ = wanted.get(ref.name, ([], "SmokeTests"))
        wanted[ref.name] = ([*refs, ref], "SmokeTests")
    approvals = env.config.approvals
    for name, reader in (
        (approvals.slack_bot_token_secret, "every Slack message"),
        (approvals.slack_signing_secret_secret, "SlackInteractions (the buttons)"),
    ):
        if name:
            refs, _ = wanted.get(name, ([], reader))
            wanted[name] = ([*refs, SecretRef(name=name)], reader)
    return wanted


def check_secrets(env: DoctorEnv, checks: Checks) -> SlackSecrets:
    provider = SecretsManagerSecrets(env.client("secretsmanager"))
    token: str | None = None
    for name, (refs, reader) in sorted(_wanted(env).items()):
        check = f"secret {name}"
        with checks.guard(G, check):
            try:
                values = [resolve(ref, provider) for ref in refs]
            except SecretUnavailableError as exc:
                if exc.reason in ACCESS_DENIED:
                    checks.add(
                        fail(G, check, f"could not check: access denied ({exc.reason})", DOCTOR_POLICY_FIX)
                    )
                    continue
                checks.add(
                    fail(G, check, f"not readable ({exc.reason}): {reader} would fail", _fix(name, exc))
                )
                continue
            if name == env.config.approvals.slack_bot_token_secret:
                token = values[-1]
            keys = sorted({ref.key for ref in refs if ref.key})
            detail = f"readable, for {reader}" + (f" (keys {', '.join(keys)})" if keys else "")
            kms = env.client("secretsmanager").describe_secret(SecretId=name).get("KmsKeyId")
            if kms:
                checks.add(
                    warn(
                        G,
                        check,
                        f"{detail}; encrypted with the customer managed key {kms}",
                        "allow the reading function's role kms:Decrypt on that key (the stack grants "
                        "only secretsmanager:GetSecretValue)",
                    )
                )
            else:
                checks.add(ok(G, check, detail))
    return SlackSecrets(bot_token=token)


def _fix(name: str, error: SecretUnavailableError) -> str:
    if error.reason == "ResourceNotFoundException":
        return (
            f"`aws secretsmanager create-secret --name {name} --secret-string ...`, in the stack's "
            "account and region"
        )
    if "key" in error.reason or "JSON" in error.reason:
        return (
            "put a JSON value with the keys the smoke suite names: "
            f"`aws secretsmanager put-secret-value --secret-id {name} ...`"
        )
    return "see the error: a secret scheduled for deletion, a disabled KMS key, or no way to Secrets Manager"
