"""One colour's pods, as a local process: answers every service's paths with the version deployed.

`python -m bluegreen.local.app_server --port P --color green --versions '{"payment": "v2", ...}'`

GET /<service>/... answers 200 `{"service", "version", "color", "path"}` for a deployed service and
404 for any other. The rehearsal restarts it whenever the colour's deployments change, as new pods
would replace the old ones. Standard library only, so that it starts in a blink.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any


def serve(port: int, color: str, versions: dict[str, str]) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            service = self.path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
            if service in versions:
                status = 200
                payload: dict[str, Any] = {
                    "service": service,
                    "version": versions[service],
                    "color": color,
                    "path": self.path,
                }
            else:
                status, payload = 404, {"error": f"no service {service!r}", "color": color}
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Color", color)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.1)
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--color", required=True)
    parser.add_argument("--versions", required=True, help="JSON: service -> version")
    parser.add_argument("--tag", default="", help="ignored: marks the process as the rehearsal's")
    args = parser.parse_args(argv)
    serve(args.port, args.color, json.loads(args.versions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
