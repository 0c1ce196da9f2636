"""DecideApproval's Function URL on loopback, for `bluegreen approve|reject` from another terminal.

AWS verifies the SigV4 signature and passes the caller's ARN; here the caller is, in turn, each of
the app's approvers (the first call the first approver, the next call the next one), so a release
that needs two approvals gets them from two terminals' commands.
"""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bluegreen.local.workflow import LocalWorkflow


class LocalDecideUrl:
    def __init__(self, workflow: LocalWorkflow, approvers: list[str]) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                status, body = outer.decide(raw)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.workflow = workflow
        self._callers = itertools.cycle(approvers)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def decide(self, raw: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            approver = next(self._callers)
        event = {"requestContext": {"authorizer": {"iam": {"userArn": approver}}}, "body": raw}
        try:
            result = self.workflow.call_handler("DecideApproval", event)
        except Exception as exc:
            return 409, {"status": "refused", "message": str(exc), "approver": approver}
        if isinstance(result, dict) and "statusCode" in result:
            return int(result["statusCode"]), json.loads(result.get("body") or "{}")
        return 200, {**result, "approver": approver}

    def __enter__(self) -> LocalDecideUrl:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
