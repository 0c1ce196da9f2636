from __future__ import annotations

import json
from datetime import UTC, datetime

from bluegreen.smoke.report import CheckFailure, ScenarioReport, SmokeReport, StepReport, StepStatus


def step(name: str, status: StepStatus = StepStatus.PASSED, **fields: object) -> StepReport:
    return StepReport.model_validate(
        {"name": name, "method": "POST", "path": "/pay", "status": status, "latency_budget_ms": 100, **fields}
    )


def report(*scenarios: ScenarioReport, **fields: object) -> SmokeReport:
    return SmokeReport.model_validate(
        {
            "base_url": "https://preprod.myapp.com",
            "started_at": datetime(2026, 1, 1, tzinfo=UTC),
            "duration_ms": 1234,
            "deadline_ms": 120_000,
            "scenarios": scenarios,
            **fields,
        }
    )


def test_a_passing_report_says_so_in_one_line() -> None:
    result = report(
        ScenarioReport(name="a", duration_ms=300, steps=[step("login")]),
        ScenarioReport(name="b", duration_ms=900, steps=[step("login"), step("pay")]),
    )

    assert result.passed
    assert result.summary_text() == (
        "Smoke tests PASSED on https://preprod.myapp.com: 2/2 scenarios, 3/3 steps passed in 1.2 s "
        "(slowest scenario: b, 0.9 s)"
    )


def test_a_failing_report_lists_the_failed_steps_not_the_skipped_ones() -> None:
    failure = CheckFailure(check="status", expected="201", actual="503 Service Unavailable")
    result = report(
        ScenarioReport(
            name="bill",
            duration_ms=10,
            steps=[
                step("pay", StepStatus.FAILED, failures=[failure]),
                step("receipt", StepStatus.SKIPPED, error="not run"),
            ],
        ),
        ScenarioReport(
            name="tls", duration_ms=10, steps=[step("login", StepStatus.ERROR, error="TLS failed")]
        ),
    )

    assert not result.passed
    assert result.summary_text().splitlines() == [
        "Smoke tests FAILED on https://preprod.myapp.com: 0/2 scenarios, 0/3 steps passed in 1.2 s",
        "- bill / pay (POST /pay): status: expected 201, got 503 Service Unavailable",
        "- tls / login (POST /pay): TLS failed",
    ]


def test_the_summary_stays_short_with_many_failures() -> None:
    steps = [step(f"s{i}", StepStatus.ERROR, error="x" * 500) for i in range(9)]
    result = report(ScenarioReport(name="many", duration_ms=1, steps=steps))

    lines = result.summary_text().splitlines()
    assert len(lines) == 7
    assert lines[-1] == "- ... and 4 more failed steps"
    assert all(len(line) <= 240 for line in lines)


def test_a_suite_that_could_not_start_fails() -> None:
    result = report(error="cannot read the suite's secrets: secret 'x' is unavailable: AccessDeniedException")

    assert not result.passed
    assert "- cannot read the suite's secrets" in result.summary_text()


def test_the_report_is_json_without_floats_and_reads_back() -> None:
    original = report(ScenarioReport(name="a", duration_ms=3, steps=[step("login", latency_ms=12)]))

    dumped = original.model_dump(mode="json")
    text = json.dumps(dumped)
    assert dumped["passed"] is True
    assert dumped["scenarios"][0]["passed"] is True
    assert "." not in text.replace("preprod.myapp.com", "")  # no floats: DynamoDB's resource API refuses them
    assert SmokeReport.model_validate_json(text) == original
