"""Checks of the gateway host that a config file alone cannot prove (`bluegreen-gateway check-config`).

The YAML can be valid and still name an nginx binary that is not installed, or a CA bundle that is
not there (nginx would then refuse to load the include, and a new gateway would not start). These
are found before the service starts, each named by its field.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bluegreen.gateway.config import GatewayConfig


def _executable(command: str) -> bool:
    if "/" in command:
        return Path(command).is_file() and os.access(command, os.X_OK)
    return shutil.which(command) is not None


def host_problems(config: GatewayConfig) -> list[tuple[str, str]]:
    """(field, problem) for every setting this host cannot honour; empty when it can."""
    problems: list[tuple[str, str]] = []
    binary = config.nginx.command[0]
    if not _executable(binary):
        problems.append(("nginx.command.0", f"{binary} is not an executable file on this host"))
    for name, path in (("nginx.site_path", config.nginx.site_path), ("state_file", config.state_file)):
        if not path.parent.is_dir():
            problems.append((name, f"directory {path.parent} does not exist"))
    tls = config.upstreams.tls
    if tls.enabled and tls.verify:
        ca_file = tls.trusted_ca_file
        if not ca_file.is_file() or not os.access(ca_file, os.R_OK):
            problems.append(
                ("upstreams.tls.trusted_ca_file", f"{ca_file} is not a readable file (nginx -t would fail)")
            )
    return problems
