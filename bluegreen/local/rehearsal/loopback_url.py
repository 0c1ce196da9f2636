"""A Lambda Function URL on loopback: POST bodies go to `answer`, which returns (status, JSON body).

On AWS the URL's IAM auth verifies the caller's SigV4 signature and passes the caller's ARN to the
function; a local URL decides who the caller is itself (see each subclass).
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bluegreen.local.loopback import LoopbackService


class LoopbackFunctionUrl(LoopbackService):
    def __init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                status, body = outer.answer(raw)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler), name="function-url", poll_interval=0.1)

    @staticmethod
    def iam_event(caller_arn: str, raw: str) -> dict[str, Any]:
        """The event a Function URL with IAM auth gives the function."""
        return {"requestContext": {"authorizer": {"iam": {"userArn": caller_arn}}}, "body": raw}

    def answer(self, raw: str) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"{super().url}/"
