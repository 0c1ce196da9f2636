"""A loopback harness for the gateway: real nginx processes and colour backends on free ports.

Used by the integration tests and `make bench-switch`; never by the agent itself. Everything binds
127.0.0.1 and lives in one temporary directory.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluegreen.gateway.render import DEBIAN_LUA_MODULES, render_main_conf

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


def lua_modules_present() -> bool:
    return all(module.exists() for module in DEBIAN_LUA_MODULES)


def worker_user() -> str | None:
    """Workers run as the invoking user: a root master would otherwise drop to `nobody`, who cannot
    read files under a private temporary directory."""
    if os.geteuid() != 0:
        return None
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    condition: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.02, what: str = "condition"
) -> Any:
    """Poll `condition` until it returns something truthy; at the deadline raise TimeoutError."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}{detail}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Response:
    status: int
    color: str | None
    body: str


def get(port: int, host: str, path: str = "/", timeout: float = 2.0) -> Response:
    """One request through nginx with the given Host header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return Response(response.status, response.getheader("X-Color"), body)
    finally:
        connection.close()


class NginxProcess:
    """One nginx master in the foreground (`daemon off`), with its own prefix, pid file and logs."""

    def __init__(self, binary: str, root: Path, conf: Path) -> None:
        self.binary = binary
        self.root = root
        self.conf = conf
        self.error_log = root / "error.log"
        self.pid_path = root / "nginx.pid"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        """The arguments that select this instance; the agent appends `-t` or `-s reload`."""
        return [self.binary, "-p", str(self.root), "-c", str(self.conf), "-e", str(self.error_log)]

    def start(self, ready_port: int, timeout: float = 10.0) -> None:
        self.pid_path.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [*self.command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"nginx exited {self.process.returncode}: {self.error_tail()}")
            return self.pid_path.exists() and port_open(ready_port)

        wait_until(ready, timeout=timeout, what=f"nginx on 127.0.0.1:{ready_port}")

    def error_tail(self, lines: int = 20) -> str:
        text = ""
        if self.process is not None and self.process.stderr is not None and self.process.poll() is not None:
            text = self.process.stderr.read().decode("utf-8", "replace")
        with contextlib.suppress(OSError):
            text += self.error_log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def stop(self, timeout: float = 10.0) -> None:
        """Fast shutdown (SIGTERM) and wait; SIGKILL the process group's master if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
        finally:
            if process.stderr is not None:
                process.stderr.close()


BACKENDS_CONF = """\
{user}
worker_processes 1;
pid {root}/backends.pid;
error_log {root}/backends-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 100000;
    keepalive_timeout 120s;
    client_body_temp_path {root}/temp/client_body;
    proxy_temp_path {root}/temp/proxy;
    fastcgi_temp_path {root}/temp/fastcgi;
    uwsgi_temp_path {root}/temp/uwsgi;
    scgi_temp_path {root}/temp/scgi;{tls}
    server {{
        listen 127.0.0.1:{blue}{ssl};
        location / {{
            default_type text/plain;
            add_header X-Color blue always;{tls_header}
            return 200 "blue\\n";
        }}
    }}
    server {{
        listen 127.0.0.1:{green}{ssl};
        location / {{
            default_type text/plain;
            add_header X-Color green always;{tls_header}
            return 200 "green\\n";
        }}
    }}
}}
"""


def _user_line() -> str:
    user = worker_user()
    return f"user {user};" if user else ""


@dataclass(frozen=True)
class TlsFiles:
    """A PEM certificate (leaf first, then any intermediates) and its private key, for `Backends`.

    `bluegreen.gateway.harness_tls` makes a test CA and certificates (it needs `cryptography`, which
    this module does not import: the harness stays importable wherever nginx is)."""

    certificate: Path
    key: Path


# What the client negotiated ("TLSv1.3 myapp.com"), so a test sees that TLS and the SNI name arrived.
_TLS_HEADER = '\n            add_header X-Tls "$ssl_protocol $ssl_server_name" always;'


def _tls_lines(tls: TlsFiles | None) -> str:
    if tls is None:
        return ""
    return (
        f"\n    ssl_certificate {tls.certificate};"
        f"\n    ssl_certificate_key {tls.key};"
        "\n    ssl_protocols TLSv1.2 TLSv1.3;"
    )


@dataclass
class Backends:
    """Stand-ins for the blue and green ALBs: a second nginx answering with its colour (X-Color, body).

    With `tls`, both colours listen with `ssl` and present that certificate, like ALBs with an HTTPS
    listener and the app's certificate."""

    nginx: NginxProcess
    blue_port: int
    green_port: int
    tls: TlsFiles | None = None

    @classmethod
    def start(cls, binary: str, root: Path, *, tls: TlsFiles | None = None) -> Backends:
        root.mkdir(parents=True, exist_ok=True)
        (root / "temp").mkdir(exist_ok=True)
        blue, green = free_port(), free_port()
        conf = root / "backends.conf"
        conf.write_text(
            BACKENDS_CONF.format(
                root=root,
                blue=blue,
                green=green,
                user=_user_line(),
                tls=_tls_lines(tls),
                ssl=" ssl" if tls else "",
                tls_header=_TLS_HEADER if tls else "",
            ),
            encoding="utf-8",
        )
        process = NginxProcess(binary, root, conf)
        process.pid_path = root / "backends.pid"
        process.start(ready_port=green)
        wait_until(lambda: port_open(blue), what="blue backend")
        return cls(process, blue, green, tls)

    def stop(self) -> None:
        self.nginx.stop()


@dataclass(frozen=True)
class GatewayLayout:
    """Paths and ports of one gateway nginx under a temporary root."""

    root: Path
    listen_port: int
    admin_port: int

    @property
    def conf(self) -> Path:
        return self.root / "nginx.conf"

    @property
    def site_path(self) -> Path:
        return self.root / "conf.d" / "bluegreen.conf"

    @property
    def files_dir(self) -> Path:
        return self.root / "bluegreen"

    @property
    def state_file(self) -> Path:
        return self.root / "state" / "state.json"

    @classmethod
    def create(cls, root: Path) -> GatewayLayout:
        root.mkdir(parents=True, exist_ok=True)
        (root / "temp").mkdir(exist_ok=True)
        return cls(root, free_port(), free_port())

    def write_main_conf(self, *, lua: bool, worker_processes: str = "1") -> None:
        self.conf.write_text(
            render_main_conf(
                site_path=self.site_path,
                pid_path=self.root / "nginx.pid",
                error_log=self.root / "error.log",
                temp_dir=self.root / "temp",
                lua=lua,
                worker_processes=worker_processes,
                user=worker_user(),
            ),
            encoding="utf-8",
        )

    def nginx(self, binary: str) -> NginxProcess:
        return NginxProcess(binary, self.root, self.conf)

    def agent_config(
        self,
        *,
        binary: str,
        mode: str,
        parameter_name: str,
        ack_table: str,
        blue_port: int,
        green_port: int,
        ssm_endpoint_url: str,
        dynamodb_endpoint_url: str,
        poll_seconds: float,
        backoff_max_seconds: float,
        gateway_id: str = "gw-test",
    ) -> dict[str, Any]:
        """The agent's YAML config as a dict, pointing at this layout, the backends and moto."""
        return {
            "gateway_id": gateway_id,
            "parameter_name": parameter_name,
            "ack_table": ack_table,
            "mode": mode,
            "poll_seconds": poll_seconds,
            "backoff_max_seconds": backoff_max_seconds,
            "state_file": str(self.state_file),
            "domains": {"live": "myapp.com", "preprod": "preprod.myapp.com"},
            "upstreams": {"blue": f"127.0.0.1:{blue_port}", "green": f"127.0.0.1:{green_port}"},
            "nginx": {
                "command": self.nginx(binary).command,
                "site_path": str(self.site_path),
                "files_dir": str(self.files_dir),
                "listen": f"127.0.0.1:{self.listen_port}",
                "admin_port": self.admin_port,
            },
            "aws": {
                "region": "us-east-1",
                "ssm_endpoint_url": ssm_endpoint_url,
                "dynamodb_endpoint_url": dynamodb_endpoint_url,
                "connect_timeout_seconds": 1.0,
                "read_timeout_seconds": 2.0,
            },
        }
