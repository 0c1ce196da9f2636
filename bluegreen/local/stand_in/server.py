"""The stand-in API over real HTTP (or HTTPS) on 127.0.0.1: in a thread (tests, the in-process demo)
or as the whole of a pods process (bluegreen.local.app_server)."""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, TextIO

from bluegreen.local.stand_in.api import StandInApi


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response and no Nagle: otherwise delayed ACKs add ~40 ms to every call.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the access log below says what matters."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        api = self.server.api
        reply = api.handle(self.command, self.path, headers, raw)
        body = reply.body()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Color", api.spec.color)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.server.access_log is not None:  # logged before the answer leaves: a restart right
            # after it (new pods) must not lose the line; one write per line, under a lock, so that
            # concurrent requests never share a line
            with self.server.access_log_lock:
                self.server.access_log.write(f"{self.command} {self.path} {reply.status}\n")
                self.server.access_log.flush()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    api: StandInApi
    access_log: TextIO | None
    access_log_lock: threading.Lock


class StandInServer:
    """`with StandInServer(api) as server:` serves on `server.url` until the block ends."""

    def __init__(
        self,
        api: StandInApi,
        *,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        access_log: TextIO | None = None,
    ) -> None:
        self.api = api
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.api = api
        self._server.access_log = access_log
        self._server.access_log_lock = threading.Lock()
        if ssl_context is not None:
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
        scheme = "https" if ssl_context is not None else "http"
        self.port: int = self._server.server_address[1]
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="stand-in", daemon=True
        )

    def serve_forever(self) -> None:
        """In the foreground (a pods process) until SystemExit or KeyboardInterrupt."""
        try:
            self._server.serve_forever(poll_interval=0.1)
        except (SystemExit, KeyboardInterrupt):
            pass
        finally:
            self._server.server_close()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
