"""The default myapp smoke suite against an emulated myapp over real HTTP(S) on loopback.

Each failure mode must read, in the report and its summary, as an approver needs it; no
secret value may reach a log line, stdout/stderr or the stored report.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection
from typing import Any

import pytest

from bluegreen.smoke import InMemorySecrets, SmokeReport, SmokeSuite, StepStatus, run_suite
from bluegreen.smoke.report import StepReport
from tests.integration.smoke.myapp_api import (
    DECLINED,
    MASTERCARD,
    PASSWORD,
    SECRETS,
    USERNAME,
    VISA,
    MyAppApi,
)
from tests.integration.smoke.tls import TlsFiles

Run = Callable[..., SmokeReport]
SECRET_VALUES = [PASSWORD, MASTERCARD, VISA, DECLINED]


def step(report: SmokeReport, scenario: str, name: str) -> StepReport:
    return next(s for sc in report.scenarios if sc.name == scenario for s in sc.steps if s.name == name)


def modified(suite: SmokeSuite, change: Callable[[dict[str, Any]], None]) -> SmokeSuite:
    data = suite.model_dump(mode="json")
    change(data)
    return SmokeSuite.model_validate(data)


def checks(report_step: StepReport) -> dict[str, tuple[str, str]]:
    return {f.check: (f.expected, f.actual) for f in report_step.failures}


def assert_no_secrets(*texts: str, tokens: Collection[str] = ()) -> None:
    for text in texts:
        for value in [*SECRET_VALUES, *tokens]:
            assert value not in text


def test_the_default_suite_passes_against_a_healthy_myapp(run: Run, myapp_api: MyAppApi) -> None:
    # Given a healthy myapp behind verified TLS
    # When the default suite runs
    report = run()

    # Then every scenario passed, and both processors were paid through
    assert report.passed, report.summary_text()
    assert [s.name for s in report.scenarios] == [
        "login-and-profile",
        "bill-mastercard",
        "bill-visa",
        "declined-card",
    ]
    assert all(s.status is StepStatus.PASSED for sc in report.scenarios for s in sc.steps)
    assert report.summary_text().startswith("Smoke tests PASSED on https://127.0.0.1:")
    assert ("POST", "/payment/v1/bill-payments") in myapp_api.requests
    # And the report is a small JSON document that reads back
    stored = json.dumps(report.model_dump(mode="json"))
    assert len(stored) < 8_000
    assert SmokeReport.model_validate_json(stored).passed


def test_a_slow_response_is_reported_against_its_latency_budget(
    run: Run, default_suite: SmokeSuite, myapp_api: MyAppApi
) -> None:
    # Given a profile service that takes 300 ms, and a 50 ms budget for reading the profile
    myapp_api.switches.delay_ms["/user-profile"] = 300

    def tight(data: dict[str, Any]) -> None:
        data["scenarios"][0]["steps"][1]["latency_budget_ms"] = 50

    # When the suite runs
    report = run(modified(default_suite, tight))

    # Then that step failed on latency alone, and says so
    profile = step(report, "login-and-profile", "read-profile")
    assert profile.status is StepStatus.FAILED
    assert profile.http_status == 200
    assert list(checks(profile)) == ["latency"]
    assert checks(profile)["latency"][0] == "at most 50 ms"
    assert not report.passed
    assert "read-profile" in report.summary_text()
    assert "latency: expected at most 50 ms, got" in report.summary_text()


def test_a_5xx_fails_the_payment_steps_without_retrying_and_without_leaking_the_echoed_request(
    run: Run, myapp_api: MyAppApi
) -> None:
    # Given a payment service that answers 503 and echoes the request (card, CVC) in its error
    myapp_api.switches.fail_status["/payment"] = 503

    # When the suite runs
    report = run()

    # Then each payment step failed on its status, was sent once, and the excerpt is redacted
    for scenario in ("bill-mastercard", "bill-visa"):
        pay = step(report, scenario, "pay-utility-bill")
        assert pay.status is StepStatus.FAILED
        assert checks(pay) == {"status": ("201", "503 Service Unavailable")}
        assert pay.attempts == 1
        assert pay.body_excerpt is not None
        assert "upstream unavailable" in pay.body_excerpt
        assert '"card_number":"[REDACTED]"' in pay.body_excerpt
        assert '"cvc":"[REDACTED]"' in pay.body_excerpt
    assert myapp_api.requests.count(("POST", "/payment/v1/bill-payments")) == 3
    assert step(report, "login-and-profile", "read-profile").status is StepStatus.PASSED
    assert_no_secrets(json.dumps(report.model_dump(mode="json")))


def test_malformed_json_from_login_stops_every_scenario_at_login(run: Run, myapp_api: MyAppApi) -> None:
    # Given a login service whose JSON is cut short (with the token inside)
    myapp_api.switches.wrong_json["/user-login"] = "malformed"

    # When the suite runs
    report = run()

    # Then login failed as "not JSON", and the steps after it were skipped, saying why
    for scenario in report.scenarios:
        login, then = scenario.steps
        assert checks(login) == {"json": ("a JSON body", "a body that is not JSON (application/json)")}
        assert then.status is StepStatus.SKIPPED
        assert then.error == "not run: step 'login' did not pass"
        assert login.body_excerpt is not None
        assert '"access_token": [REDACTED]' in login.body_excerpt
    assert_no_secrets(json.dumps(report.model_dump(mode="json")), tokens=myapp_api.tokens)


def test_json_of_the_wrong_shape_names_the_missing_fields(run: Run, myapp_api: MyAppApi) -> None:
    # Given a profile service that wraps its answer in {"data": ...}
    myapp_api.switches.wrong_json["/user-profile"] = "shape"

    # When the suite runs
    report = run()

    # Then each assertion says what was expected at which path
    profile = step(report, "login-and-profile", "read-profile")
    assert checks(profile) == {
        "$.user_id": ('"u-1001"', "nothing at that path"),
        "$.email": ("present", "nothing at that path"),
    }
    assert '$.user_id: expected "u-1001", got nothing at that path' in report.summary_text()
    # And the e-mail address (a configured sensitive field) is not in the excerpt
    assert profile.body_excerpt is not None
    assert USERNAME not in profile.body_excerpt


def test_a_broken_tls_certificate_fails_every_scenario_once(
    default_suite: SmokeSuite, tls_files: TlsFiles
) -> None:
    # Given preprod serving a self-signed certificate, and the default client (verification on)
    with MyAppApi("self-signed", tls_files) as api:
        # When the suite runs
        report = run_suite(default_suite, api.url, secrets=InMemorySecrets(SECRETS), deadline_seconds=15)
        requests = list(api.requests)

    # Then every first step errored on the certificate, without retrying, and nothing was sent
    assert requests == []
    for scenario in report.scenarios:
        first = scenario.steps[0]
        assert first.status is StepStatus.ERROR
        assert first.error is not None
        assert first.error.startswith("TLS certificate verification failed: self-signed certificate")
        assert first.attempts == 1
    assert "TLS certificate verification failed" in report.summary_text()


def test_a_processor_that_declines_everything_fails_both_bill_payments(run: Run, myapp_api: MyAppApi) -> None:
    # Given the processors' stubs decline every card
    myapp_api.switches.decline_all = True

    # When the suite runs
    report = run()

    # Then the Mastercard and Visa payments failed with the decline visible, and the declined-card
    # scenario (which expects exactly that) still passed
    for scenario in ("bill-mastercard", "bill-visa"):
        pay = step(report, scenario, "pay-utility-bill")
        assert checks(pay) == {"status": ("201", "402 Payment Required")}
        assert pay.body_excerpt is not None
        assert '"code":"card_declined"' in pay.body_excerpt
        assert '"card_number":"[REDACTED]"' in pay.body_excerpt
    assert step(report, "declined-card", "pay-with-declined-card").status is StepStatus.PASSED
    summary = report.summary_text()
    assert (
        "bill-mastercard / pay-utility-bill (POST /payment/v1/bill-payments): status: expected 201" in summary
    )
    assert "2/4 scenarios" in summary


def test_secret_values_reach_no_log_line_output_or_report(
    run: Run, myapp_api: MyAppApi, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given every way of failing that puts secrets or tokens in a response, with all logs on
    caplog.set_level(logging.DEBUG)
    myapp_api.switches.fail_status["/payment/v1"] = 500
    myapp_api.switches.wrong_json["/user-profile"] = "malformed"

    # When the suite runs, and the approver's summary is printed
    report = run()
    print(report.summary_text())

    # Then no secret value and no issued token appears anywhere
    out, err = capsys.readouterr()
    assert caplog.records, "logging was captured"
    assert not report.passed
    assert_no_secrets(
        caplog.text,
        out,
        err,
        json.dumps(report.model_dump(mode="json")),
        report.summary_text(),
        tokens=myapp_api.tokens,
    )


def test_the_overall_deadline_cuts_a_hanging_payment_short(
    run: Run, default_suite: SmokeSuite, myapp_api: MyAppApi
) -> None:
    # Given a payment service that hangs for 5 s and an overall deadline of 2 s
    myapp_api.switches.delay_ms["/payment"] = 5_000

    # When the suite runs
    report = run(deadline_seconds=2.0)

    # Then the report says the deadline cut the payments off; the profile scenario finished
    assert report.deadline_exceeded
    pay = step(report, "bill-visa", "pay-utility-bill")
    assert pay.status is StepStatus.ERROR
    assert pay.error is not None
    assert "overall deadline of 2 s" in pay.error
    assert step(report, "login-and-profile", "read-profile").status is StepStatus.PASSED
    assert "the overall deadline of 2 s passed" in report.summary_text()


def test_a_missing_secret_stops_the_suite_before_any_request(run: Run, myapp_api: MyAppApi) -> None:
    # Given the card secret does not exist
    secrets = InMemorySecrets({"myapp/prod/smoke-test-user": SECRETS["myapp/prod/smoke-test-user"]})

    # When the suite runs
    report = run(secrets=secrets)

    # Then nothing was sent, and the report names the secret (not its value)
    assert myapp_api.requests == []
    assert not report.passed
    assert report.error == (
        "cannot read the suite's secrets: secret 'myapp/prod/smoke-test-cards' is unavailable: "
        "ResourceNotFoundException"
    )


def test_connection_refused_is_retried_then_reported(default_suite: SmokeSuite) -> None:
    # Given nothing listens on the preprod port, and a policy of 3 quick attempts
    def quick(data: dict[str, Any]) -> None:
        data["retry"] = {"attempts": 3, "backoff_seconds": 0}

    with MyAppApi() as api:
        url = api.url  # the port is free again once the server is closed

    # When the suite runs
    report = run_suite(
        modified(default_suite, quick), url, secrets=InMemorySecrets(SECRETS), deadline_seconds=10
    )

    # Then each login was attempted 3 times, and the error says so
    for scenario in report.scenarios:
        login = scenario.steps[0]
        assert login.attempts == 3
        assert login.error is not None
        assert login.error.startswith("could not connect")
        assert login.error.endswith("(after 3 attempts)")
