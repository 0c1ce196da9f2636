"""Payment smoke tests through the preprod host.

`run_suite` runs a `SmokeSuite` (declared in the app config) against the idle colour and
returns a `SmokeReport` that is safe to store and to show an approver: secret values and
sensitive fields never reach it, nor any log line.

Names are imported lazily: `bluegreen.config` imports `bluegreen.smoke.model`, and every
Lambda loads the config, so this package must not pull in httpx and boto3 for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bluegreen.smoke.model import SmokeSuite
    from bluegreen.smoke.report import SmokeReport, StepStatus
    from bluegreen.smoke.runner import run_suite
    from bluegreen.smoke.secrets import InMemorySecrets, SecretsManagerSecrets, SecretsProvider

_HOMES = {
    "SmokeSuite": "bluegreen.smoke.model",
    "SmokeReport": "bluegreen.smoke.report",
    "StepStatus": "bluegreen.smoke.report",
    "run_suite": "bluegreen.smoke.runner",
    "InMemorySecrets": "bluegreen.smoke.secrets",
    "SecretsManagerSecrets": "bluegreen.smoke.secrets",
    "SecretsProvider": "bluegreen.smoke.secrets",
}

__all__ = [
    "InMemorySecrets",
    "SecretsManagerSecrets",
    "SecretsProvider",
    "SmokeReport",
    "SmokeSuite",
    "StepStatus",
    "run_suite",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
