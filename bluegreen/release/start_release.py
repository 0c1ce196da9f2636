"""StartRelease: the IAM-authenticated entry point that starts release executions.

People (`bluegreen release start`) and pipelines call its Function URL (AuthType AWS_IAM) with SigV4;
AWS verifies the signature and hands the function the caller's ARN. The function works out who
that is (`trigger.start_release_identity`), refuses a caller that names nobody, writes the
evidence (`TRIGGER#<release id>`: the ARN, the signed claim, a digest of the input) and only then
calls StartExecution, with `triggered_by` set to the person. Prepare checks the evidence against
the input it receives.

Only this function's role may StartExecution on the release workflow (the stack grants nobody
else), and the approvers' policy cannot call it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from bluegreen.errors import ReleaseInputError
from bluegreen.release.identity import People
from bluegreen.release.input import validate_release_input
from bluegreen.release.trigger import TriggerEvidence, input_digest, start_release_identity, trigger_key
from bluegreen.runtime import Runtime

EVIDENCE_DAYS = 7
EXECUTION_NAME = r"^[A-Za-z0-9_-]{1,80}$"


class StartRefusedError(Exception):
    """Nothing was started: `status` is the HTTP status to answer with, `problems` say why."""

    def __init__(self, status: int, problems: list[tuple[str, str]]) -> None:
        self.status = status
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


class StartRequest(BaseModel):
    """The request body: the release input as the workflow takes it, and an optional release id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: dict[str, Any]
    name: str | None = Field(default=None, pattern=EXECUTION_NAME)


class Started(BaseModel):
    release_id: str
    execution_arn: str
    triggered_by: str
    principal_arn: str
    claim: str | None = None


def start_release(
    principal_arn: str,
    request: StartRequest,
    rt: Runtime,
    state_machine_arn: str,
    new_name: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> Started:
    claim = request.input.get("triggered_by")
    if claim is not None and not isinstance(claim, str):
        raise StartRefusedError(400, [("input.triggered_by", "must be a string")])
    identity = start_release_identity(principal_arn, claim or None, People(rt.config.approvals.identities))
    if identity.person is None:
        raise StartRefusedError(403, [("caller", f"{principal_arn} names no person: {identity.how}")])
    release_input = {**request.input, "triggered_by": identity.person}
    try:
        validate_release_input(release_input, rt.config)
    except ReleaseInputError as exc:
        raise StartRefusedError(
            400, [(f"input.{field}", message) for field, message in exc.problems]
        ) from exc
    name = request.name or new_name()
    now = rt.clock()
    evidence = TriggerEvidence(
        principal_arn=principal_arn,
        claim=claim or None,
        input_digest=input_digest(release_input),
        recorded_at=now,
    )
    if not rt.releases.put_once(
        trigger_key(name), evidence.model_dump(mode="json"), now + timedelta(days=EVIDENCE_DAYS)
    ):
        raise StartRefusedError(409, [("name", f"release {name} was already started")])
    if rt.sfn is None:
        raise StartRefusedError(500, [("configuration", "no Step Functions client for this function")])
    try:
        response = rt.sfn.start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(release_input)
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        status = 409 if code == "ExecutionAlreadyExists" else 502
        raise StartRefusedError(status, [("start_execution", f"{code}: {exc}")]) from exc
    return Started(
        release_id=name,
        execution_arn=str(response["executionArn"]),
        triggered_by=identity.person,
        principal_arn=principal_arn,
        claim=claim or None,
    )
