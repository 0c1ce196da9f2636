"""StartRelease's Function URL on loopback, for `bluegreen release start` in a local run.

AWS verifies the SigV4 signature and passes the caller's ARN; here the caller is the app's
rehearsal starter (a session of a person-session role, `RehearsedApp.starter`), so the release
records a verified trigger and the approvers are other people.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import lambdas.start_release as start_release
from bluegreen.local.workflow import FakeContext, LocalWorkflow


class LocalStartUrl:
    def __init__(self, workflow: LocalWorkflow, caller: str) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                status, body = outer.start(raw)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.workflow = workflow
        self.caller = caller
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self, raw: str) -> tuple[int, dict[str, Any]]:
        event = {"requestContext": {"authorizer": {"iam": {"userArn": self.caller}}}, "body": raw}
        with self.workflow.acting_as("StartRelease"):  # under its role, IAM enforced
            result = start_release.handler(
                event,
                FakeContext("StartRelease"),  # type: ignore[arg-type]
                rt=self.workflow.runtime,
                state_machine_arn=self.workflow.aws.state_machine_arn,
            )
        return int(result["statusCode"]), json.loads(result.get("body") or "{}")

    def __enter__(self) -> LocalStartUrl:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
