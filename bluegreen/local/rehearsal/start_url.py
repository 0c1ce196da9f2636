"""StartRelease's Function URL on loopback, for `bluegreen release start` in a local run.

AWS verifies the SigV4 signature and passes the caller's ARN; here the caller is the app's
rehearsal starter (a session of a person-session role, `RehearsedApp.starter`), so the release
records a verified trigger and the approvers are other people.
"""

from __future__ import annotations

import json
from typing import Any

import lambdas.start_release as start_release
from bluegreen.local.rehearsal.loopback_url import LoopbackFunctionUrl
from bluegreen.local.workflow import FakeContext, LocalWorkflow


class LocalStartUrl(LoopbackFunctionUrl):
    def __init__(self, workflow: LocalWorkflow, caller: str) -> None:
        super().__init__()
        self.workflow = workflow
        self.caller = caller

    def answer(self, raw: str) -> tuple[int, dict[str, Any]]:
        with self.workflow.acting_as("StartRelease"):  # under its role, IAM enforced
            result = start_release.handler(
                self.iam_event(self.caller, raw),
                FakeContext("StartRelease"),  # type: ignore[arg-type]
                rt=self.workflow.runtime,
                state_machine_arn=self.workflow.aws.state_machine_arn,
            )
        return int(result["statusCode"]), json.loads(result.get("body") or "{}")
