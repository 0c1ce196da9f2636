"""DecideApproval's Function URL on loopback, for `bluegreen approve|reject` from another terminal.

AWS verifies the SigV4 signature and passes the caller's ARN; here the caller is, in turn, each of
the app's approvers (the first call the first approver, the next call the next one), so a release
that needs two approvals gets them from two terminals' commands.
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

from bluegreen.local.rehearsal.loopback_url import LoopbackFunctionUrl
from bluegreen.local.workflow import LocalWorkflow


class LocalDecideUrl(LoopbackFunctionUrl):
    def __init__(self, workflow: LocalWorkflow, approvers: list[str]) -> None:
        super().__init__()
        self.workflow = workflow
        self._callers = itertools.cycle(approvers)
        self._lock = threading.Lock()

    def answer(self, raw: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            approver = next(self._callers)
        try:
            result = self.workflow.call_handler("DecideApproval", self.iam_event(approver, raw))
        except Exception as exc:
            return 409, {"status": "refused", "message": str(exc), "approver": approver}
        if isinstance(result, dict) and "statusCode" in result:
            return int(result["statusCode"]), json.loads(result.get("body") or "{}")
        return 200, {**result, "approver": approver}
