"""The smoke report: stored in the release record, summarized for the approver.

Everything in it has already been redacted by the runner; strings are capped so that a whole
report stays a few kilobytes (a DynamoDB item holds 400 KB). Numbers are integers, because
the DynamoDB resource API refuses Python floats.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field

from bluegreen.smoke.redaction import truncate

MAX_EXCERPT_CHARS = 300
MAX_VALUE_CHARS = 200
MAX_ERROR_CHARS = 300
MAX_FAILURES_PER_STEP = 10
SUMMARY_FAILURE_LINES = 5
SUMMARY_LINE_CHARS = 240


class StepStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # a response came back, and a check on it failed
    ERROR = "error"  # no usable response: network, TLS, timeout, deadline
    SKIPPED = "skipped"  # not run, because an earlier step of the scenario failed or time ran out


class ReportModel(BaseModel):
    """Frozen; unknown keys (such as the computed `passed`) are ignored when read back."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class CheckFailure(ReportModel):
    check: str = Field(description="status, latency, json, a JSONPath, or `capture <name>`")
    expected: str
    actual: str

    def text(self) -> str:
        return f"{self.check}: expected {self.expected}, got {self.actual}"


class StepReport(ReportModel):
    name: str
    method: str
    path: str = Field(description="As declared (placeholders not filled in)")
    status: StepStatus
    http_status: int | None = None
    latency_ms: int | None = None
    latency_budget_ms: int
    attempts: int = 0
    failures: list[CheckFailure] = Field(default_factory=list)
    error: str | None = None
    body_excerpt: str | None = Field(default=None, description="Redacted; only for steps that failed")

    def reason(self) -> str:
        if self.status is StepStatus.PASSED:
            return "passed"
        if self.failures:
            return "; ".join(failure.text() for failure in self.failures)
        return self.error or self.status.value


class ScenarioReport(ReportModel):
    name: str
    duration_ms: int
    steps: list[StepReport]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return all(step.status is StepStatus.PASSED for step in self.steps)


class SmokeReport(ReportModel):
    base_url: str
    started_at: datetime
    duration_ms: int
    deadline_ms: int
    deadline_exceeded: bool = False
    error: str | None = Field(default=None, description="Why the suite could not run at all")
    scenarios: list[ScenarioReport] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.scenarios) and all(s.passed for s in self.scenarios)

    def failed_steps(self) -> list[tuple[str, StepReport]]:
        """(scenario, step) for every step that failed or errored; skipped steps are consequences."""
        return [
            (scenario.name, step)
            for scenario in self.scenarios
            for step in scenario.steps
            if step.status in (StepStatus.FAILED, StepStatus.ERROR)
        ]

    def summary_text(self) -> str:
        """A few lines for the approver (Slack): the verdict, then the first failures."""
        steps = [step for scenario in self.scenarios for step in scenario.steps]
        passed_steps = sum(step.status is StepStatus.PASSED for step in steps)
        passed_scenarios = sum(scenario.passed for scenario in self.scenarios)
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"Smoke tests {verdict} on {self.base_url}: {passed_scenarios}/{len(self.scenarios)} scenarios, "
            f"{passed_steps}/{len(steps)} steps passed in {self.duration_ms / 1000:.1f} s"
        ]
        if self.error:
            lines.append(f"- {self.error}")
        if self.deadline_exceeded:
            lines.append(
                f"- the overall deadline of {self.deadline_ms / 1000:g} s passed before the suite finished"
            )
        failed = self.failed_steps()
        for scenario, step in failed[:SUMMARY_FAILURE_LINES]:
            line = f"- {scenario} / {step.name} ({step.method} {step.path}): {step.reason()}"
            lines.append(truncate(line, SUMMARY_LINE_CHARS))
        if len(failed) > SUMMARY_FAILURE_LINES:
            lines.append(f"- ... and {len(failed) - SUMMARY_FAILURE_LINES} more failed steps")
        if self.passed and self.scenarios:
            slowest = max(self.scenarios, key=lambda s: s.duration_ms)
            lines[0] += f" (slowest scenario: {slowest.name}, {slowest.duration_ms / 1000:.1f} s)"
        return "\n".join(lines)
