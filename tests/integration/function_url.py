"""A Lambda Function URL with AuthType AWS_IAM, played on loopback: like AWS, it accepts only a
SigV4-signed request and hands the handler the caller's ARN in requestContext (here: the identity
the test says the credentials belong to). The CLI under test never says who it is."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[dict[str, Any]], dict[str, Any]]


@contextmanager
def iam_function_url(handler: Handler, identity: str) -> Iterator[str]:
    class Http(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"])).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            if not headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 Credential="):
                self._reply(403, {"Message": "Forbidden"})
                return
            event = {
                "body": body,
                "isBase64Encoded": False,
                "requestContext": {"authorizer": {"iam": {"userArn": identity}}},
            }
            result = handler(event)
            self._reply(int(result["statusCode"]), json.loads(result["body"]))

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Http)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
