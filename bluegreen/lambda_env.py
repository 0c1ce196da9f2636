"""The environment variables every bluegreen Lambda is given (stacks/) and reads (runtime.py)."""

from __future__ import annotations

CONFIG = "BLUEGREEN_CONFIG"
"""Where the function's asset holds the app config: `config/<app>.yaml`."""
RELEASES_TABLE = "RELEASES_TABLE"
ACKS_TABLE = "ACKS_TABLE"
"""Only for the functions that read the gateways' acknowledgements."""


def function_environment(
    config_file_name: str, releases_table: str, acks_table: str | None
) -> dict[str, str]:
    environment = {CONFIG: f"config/{config_file_name}", RELEASES_TABLE: releases_table}
    if acks_table is not None:
        environment[ACKS_TABLE] = acks_table
    return environment
