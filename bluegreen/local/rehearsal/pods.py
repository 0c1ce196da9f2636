"""Each colour's pods: one local process (bluegreen.local.app_server) serving every service at the
version deployed in that colour's namespace, restarted whenever those deployments change."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bluegreen.colors import Color
from bluegreen.gateway.harness import free_port, port_open, wait_until
from bluegreen.local.fake_kube import FakeKubeServer
from bluegreen.local.rehearsal.processes import Processes
from bluegreen.local.rehearsed_app import RehearsedApp
from bluegreen.local.stand_in.api import Faults

FaultsFor = Callable[[Mapping[str, str]], Faults]
"""The faults of the pods running these versions (service -> version): a bad release's behaviour."""


def no_faults(versions: Mapping[str, str]) -> Faults:
    return Faults()


class ColorPods:
    def __init__(
        self,
        app: RehearsedApp,
        kube: FakeKubeServer,
        processes: Processes,
        workdir: Path,
        env: dict[str, str],
        faults_for: FaultsFor = no_faults,
    ) -> None:
        self.app = app
        self.kube = kube
        self.processes = processes
        self.workdir = workdir
        self.env = env
        self.faults_for = faults_for
        self.ports = {color: free_port() for color in Color}
        self.versions: dict[Color, dict[str, str]] = {}
        self.restarts: list[tuple[float, Color, dict[str, str]]] = []
        self._children: dict[Color, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def log(self, color: Color) -> Path:
        """`METHOD path status` for every request the colour's pods answered."""
        return self.workdir / f"pods-{color.value}.log"

    def deployed(self, color: Color) -> dict[str, str]:
        """Service -> version of every Deployment of the colour with replicas."""
        config = self.app.config
        namespace = config.namespaces.of(color)
        versions: dict[str, str] = {}
        for service in config.services:
            obj = self.kube.get_object("Deployment", namespace, service.deployment_name) or {}
            spec = obj.get("spec", {})
            containers = spec.get("template", {}).get("spec", {}).get("containers", [])
            image = next((c["image"] for c in containers if c["name"] == service.container_name), None)
            if image and spec.get("replicas", 1) > 0:
                versions[service.name] = image.rsplit(":", 1)[-1]
        return versions

    def sync(self, color: Color) -> None:
        """Restart the colour's process when what is deployed there changed (new pods)."""
        with self._lock:
            versions = self.deployed(color)
            if versions == self.versions.get(color) and color in self._children:
                return
            old = self._children.pop(color, None)
            if old is not None:
                self.processes.stop(old)
            port = self.ports[color]
            spec_file = self.workdir / f"pods-{color.value}.json"
            spec = self.app.spec(color.value, versions, self.faults_for(versions))
            spec_file.write_text(spec.to_json(), encoding="utf-8")
            argv = [
                sys.executable,
                "-m",
                "bluegreen.local.app_server",
                "--port",
                str(port),
                "--spec",
                str(spec_file),
                "--tag",
                str(self.workdir),
            ]
            self._children[color] = self.processes.start(argv, self.log(color), self.env)
            wait_until(lambda: port_open(port), timeout=10, what=f"{color.value} pods on {port}")
            self.versions[color] = versions
            self.restarts.append((time.monotonic(), color, versions))

    def on_change(self, kind: str, namespace: str, deployment: dict[str, Any]) -> None:
        for color in Color:
            if self.app.config.namespaces.of(color) == namespace:
                self.sync(color)
