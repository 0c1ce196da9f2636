"""What every check returns: one line that says what was found and, when it is not ok, how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # a release can run, but something deserves attention
    FAIL = "fail"  # a release cannot run now, or would fail part-way


class Group(StrEnum):
    """The order the report shows (and runs) the checks in."""

    IDENTITY = "identity"
    STACK = "stack"
    PARAMETER = "parameter"
    CLUSTER = "cluster"
    KUBERNETES = "kubernetes"
    IMAGES = "images"
    ALARMS = "alarms"
    GATEWAYS = "gateways"
    SLACK = "slack"
    SECRETS = "secrets"
    NETWORK = "network"
    RELEASE = "release"


@dataclass(frozen=True)
class CheckResult:
    group: Group
    check: str
    status: Status
    detail: str
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["group"] = self.group.value
        data["status"] = self.status.value
        return data


def ok(group: Group, check: str, detail: str) -> CheckResult:
    return CheckResult(group, check, Status.OK, detail)


def warn(group: Group, check: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(group, check, Status.WARN, detail, fix)


def fail(group: Group, check: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(group, check, Status.FAIL, detail, fix)


@dataclass
class Report:
    app: str
    environment: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """A release could run now: nothing failed."""
        return not any(r.status is Status.FAIL for r in self.results)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.FAIL]

    def find(self, group: Group) -> list[CheckResult]:
        return [r for r in self.results if r.group is group]

    def as_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "environment": self.environment,
            "ready": self.ready,
            "summary": {status.value: self.count(status) for status in Status},
            "checks": [r.as_dict() for r in self.results],
        }
