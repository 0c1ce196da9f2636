"""Talks to nginx: the `nginx -t` / `nginx -s reload` commands and the loopback admin location."""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bluegreen.colors import Color
from bluegreen.gateway.errors import ApplyError
from bluegreen.gateway.files import atomic_write_text, read_text_or_none

ADMIN_PATH = "/bluegreen/color"


@dataclass(frozen=True)
class ServedColor:
    """What the admin location says nginx serves on the live host."""

    color: Color | None
    source: str  # "dict" (runtime, set by the agent), "default" (runtime, dict empty), "config" (reload)
    version: int | None = None


class NginxCommands:
    def __init__(self, command: Sequence[str], timeout: float) -> None:
        self._command = list(command)
        self._timeout = timeout

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [*self._command, *args]
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=self._timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ApplyError(f"cannot run {' '.join(argv)}: {exc}") from exc

    @staticmethod
    def _problem(result: subprocess.CompletedProcess[str]) -> str:
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
        important = [line for line in lines if "[emerg]" in line or "[alert]" in line or "[error]" in line]
        return "; ".join(important or lines[-2:]) or f"exit status {result.returncode}"

    def test(self) -> None:
        result = self._run("-t", "-q")
        if result.returncode != 0:
            raise ApplyError(f"nginx -t rejected the configuration: {self._problem(result)}")

    def reload(self) -> None:
        result = self._run("-s", "reload")
        if result.returncode != 0:
            raise ApplyError(f"nginx -s reload failed: {self._problem(result)}")


class AdminClient:
    """HTTP to the loopback-only admin location (127.0.0.1:<admin_port>/bluegreen/color)."""

    def __init__(self, port: int, timeout: float) -> None:
        self._port = port
        self._timeout = timeout

    def _request(self, method: str, path: str) -> ServedColor:
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=self._timeout)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            body = response.read(4096)
        except (OSError, http.client.HTTPException) as exc:
            raise ApplyError(f"nginx admin location 127.0.0.1:{self._port} unreachable: {exc}") from exc
        finally:
            connection.close()
        if response.status != 200:
            raise ApplyError(f"nginx admin {method} {path} answered {response.status}: {body[:200]!r}")
        try:
            data = json.loads(body)
        except json.JSONDecodeError as exc:
            raise ApplyError(f"nginx admin answered non-JSON {body[:200]!r}") from exc
        version = data.get("version")
        return ServedColor(
            color=Color.parse(data.get("color")),
            source=str(data.get("source", "")),
            version=version if isinstance(version, int) else None,
        )

    def get(self) -> ServedColor:
        return self._request("GET", ADMIN_PATH)

    def put(self, color: Color, version: int) -> ServedColor:
        return self._request("PUT", f"{ADMIN_PATH}?color={color.value}&version={int(version)}")

    def wait_for(self, color: Color, deadline_seconds: float, interval: float = 0.02) -> ServedColor:
        """Poll GET until nginx reports `color` (new workers after a reload), or raise at the deadline."""
        deadline = time.monotonic() + deadline_seconds
        last: str = "no answer"
        while True:
            try:
                served = self.get()
                if served.color is color:
                    return served
                last = f"still serves {served.color}"
            except ApplyError as exc:
                last = str(exc)
            if time.monotonic() >= deadline:
                raise ApplyError(f"nginx did not serve {color.value} within {deadline_seconds:g}s: {last}")
            time.sleep(interval)


class StagedFile:
    """Replace a file, keeping what it held so a rejected configuration can be put back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._previous: str | None = None

    def replace(self, text: str) -> bool:
        """Write `text` unless the file already holds it; True when written."""
        self._previous = read_text_or_none(self.path)
        if self._previous == text:
            return False
        atomic_write_text(self.path, text)
        return True

    def restore(self) -> None:
        if self._previous is None:
            self.path.unlink(missing_ok=True)
        else:
            atomic_write_text(self.path, self._previous)
