"""`bluegreen doctor`: a read-only preflight of everything a release needs, one line per check."""

from __future__ import annotations

from bluegreen.doctor.env import ClientSource, DoctorEnv, SlackFactory
from bluegreen.doctor.readonly import DoctorWriteError, forbid_writes
from bluegreen.doctor.result import CheckResult, Group, Report, Status
from bluegreen.doctor.run import run_doctor

__all__ = [
    "CheckResult",
    "ClientSource",
    "DoctorEnv",
    "DoctorWriteError",
    "Group",
    "Report",
    "SlackFactory",
    "Status",
    "forbid_writes",
    "run_doctor",
]
