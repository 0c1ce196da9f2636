"""No release of this app/env is running: Prepare refuses a second one while the lock is held."""

from __future__ import annotations

from botocore.exceptions import ClientError

from bluegreen.adapters.release_store import ReleaseStore, pseudo_holder_alive
from bluegreen.doctor.checks import Checks, error_code
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, fail, ok
from bluegreen.doctor.stack import StackFacts

G = Group.RELEASE


def check_release_lock(env: DoctorEnv, stack: StackFacts, checks: Checks) -> None:
    table = stack.resource("releases_table")
    if table is None:
        return
    config = env.config
    with checks.guard(G, "release lock"):
        item = env.client("dynamodb").get_item(
            TableName=table,
            Key={"pk": {"S": ReleaseStore.lock_key(config.app, config.environment)}},
            ConsistentRead=True,
        )
        holder = (item.get("Item") or {}).get("execution_arn", {}).get("S")
        if not holder:
            checks.add(ok(G, "release lock", "free: no release is running"))
            return
        alive = pseudo_holder_alive(holder, env.clock())
        if alive is None:
            alive = _running(env, holder)
        if alive:
            checks.add(
                fail(
                    G,
                    "release lock",
                    f"held by {holder}, still running: a new release would be refused",
                    f"wait for it (`bluegreen release watch {holder.rsplit(':', 1)[-1]}`), or decide "
                    "its approval",
                )
            )
        else:
            checks.add(
                ok(G, "release lock", f"left by {holder}, which has ended: the next release takes it over")
            )


def _running(env: DoctorEnv, execution_arn: str) -> bool:
    try:
        status = env.client("stepfunctions").describe_execution(executionArn=execution_arn)["status"]
    except ClientError as exc:
        if error_code(exc) == "ExecutionDoesNotExist":
            return False
        raise
    return bool(status == "RUNNING")
