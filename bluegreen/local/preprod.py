"""A stand-in for the preprod domain on loopback: answers each service's health path."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bluegreen.local.loopback import LoopbackService


class FakePreprod(LoopbackService):
    """`healthy` False makes every health check answer 503; `failing` names single paths that do."""

    def __init__(self) -> None:
        self.healthy = True
        self.failing: set[str] = set()
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits.append(self.path)
                ok = outer.healthy and self.path not in outer.failing
                body = b'{"status":"ok"}' if ok else b'{"status":"unavailable"}'
                self.send_response(200 if ok else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler), name="fake-preprod")
