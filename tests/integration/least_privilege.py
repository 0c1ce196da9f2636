"""Per role: what the template grants, what the handlers called during the local runs, what is left.

`report(roles, calls, justified)` compares the two; `AWS_ONLY` (tests/integration/aws_only_grants.py)
names the grants only an AWS run exercises, each with its reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bluegreen.local.iam_enforcement import Call
from bluegreen.local.iam_roles import ROLE_PREFIX
from bluegreen.local.template_roles import RolePolicies


@dataclass(frozen=True)
class Justification:
    """Grants of `action` to `roles` that the local runs cannot exercise, and why.

    `local_runs_may_call`: the local run calls it for some of these roles and not others (e.g. a
    secret read once per container, where the local roles share one container)."""

    action: str
    roles: frozenset[str]
    reason: str
    local_runs_may_call: bool = False


@dataclass
class RoleReport:
    role: str
    granted: set[str]
    called: set[str] = field(default_factory=set)
    denied: set[tuple[str, str]] = field(default_factory=set)
    justified: set[str] = field(default_factory=set)

    @property
    def unused(self) -> set[str]:
        return self.granted - self.called - self.justified

    def stale(self, justifications: Iterable[Justification]) -> set[str]:
        """Justified as AWS-only, yet called locally, or not granted at all: the list is out of date."""
        stale = set()
        for justification in justifications:
            if self.role not in justification.roles:
                continue
            if justification.action not in self.granted:
                stale.add(f"{justification.action} (not granted)")
            elif justification.action in self.called and not justification.local_runs_may_call:
                stale.add(f"{justification.action} (called locally)")
        return stale


def report(
    roles: Mapping[str, RolePolicies], calls: Iterable[Call], justifications: Iterable[Justification]
) -> dict[str, RoleReport]:
    justifications = list(justifications)
    reports = {name: RoleReport(name, role.granted_actions()) for name, role in roles.items()}
    for justification in justifications:
        for name in justification.roles:
            if name in reports:
                reports[name].justified.add(justification.action)
    for call in calls:
        name = (call.role or "").removeprefix(ROLE_PREFIX)
        if name not in reports:
            continue  # the administrator: set-up and checks, not a handler
        if call.allowed:
            reports[name].called.add(call.action)
        else:
            reports[name].denied.add((call.action, call.resource))
    return reports


def problems(reports: Mapping[str, RoleReport], justifications: Iterable[Justification]) -> list[str]:
    """One line per problem, empty when every grant is used or justified and every call granted."""
    justifications = list(justifications)
    lines: list[str] = []
    for name in sorted(reports):
        role = reports[name]
        for action, resource in sorted(role.denied):
            lines.append(f"{name}: called {action} on {resource}, which the template does not grant")
        for action in sorted(role.unused):
            lines.append(f"{name}: granted {action}, which no handler called and no justification explains")
        for entry in sorted(role.stale(justifications)):
            lines.append(f"{name}: the AWS-only justification for {entry} is out of date")
    unknown = {n for j in justifications for n in j.roles} - set(reports)
    lines += [f"a justification names {n}, which is no role of the template" for n in sorted(unknown)]
    return lines


def render(reports: Mapping[str, RoleReport]) -> str:
    """The report as a person reads it: per role, each granted action and how it was used."""
    out = ["# Least privilege: granted vs called", ""]
    for name in sorted(reports):
        role = reports[name]
        out.append(f"## {name}")
        marks: dict[str, str] = defaultdict(str)
        for action in role.granted:
            marks[action] = (
                "called"
                if action in role.called
                else "AWS only (justified)"
                if action in role.justified
                else "UNUSED"
            )
        for action, _ in role.denied:
            marks[action] = "DENIED (not granted)"
        out += [f"- {action}: {mark}" for action, mark in sorted(marks.items())]
        out.append("")
    return "\n".join(out)
