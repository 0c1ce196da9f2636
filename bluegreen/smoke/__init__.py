"""Payment smoke tests through the preprod host (issue 4).

`run_suite` runs a `SmokeSuite` (declared in the app config) against the idle colour and
returns a `SmokeReport` that is safe to store and to show an approver: secret values and
sensitive fields never reach it, nor any log line.
"""

from __future__ import annotations

from bluegreen.smoke.model import SmokeSuite
from bluegreen.smoke.report import SmokeReport, StepStatus
from bluegreen.smoke.runner import run_suite
from bluegreen.smoke.secrets import InMemorySecrets, SecretsManagerSecrets, SecretsProvider

__all__ = [
    "InMemorySecrets",
    "SecretsManagerSecrets",
    "SecretsProvider",
    "SmokeReport",
    "SmokeSuite",
    "StepStatus",
    "run_suite",
]
