"""run_suite with an in-memory transport (httpx.MockTransport): no network."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bluegreen.smoke import InMemorySecrets, SmokeReport, SmokeSuite, StepStatus, run_suite

Handler = Callable[[httpx.Request], httpx.Response]
PASSWORD = "pw-5e4d3c2b"


def suite(*scenarios: dict[str, Any], **extra: Any) -> SmokeSuite:
    return SmokeSuite.model_validate(
        {
            "secrets": {"password": {"name": "app/user", "key": "password"}},
            "retry": {"attempts": 3, "backoff_seconds": 0},
            "scenarios": list(scenarios),
            **extra,
        }
    )


LOGIN = {
    "name": "login",
    "method": "POST",
    "path": "/login",
    "body": {"password": "{{ secrets.password }}"},
    "expect": {"status": 200},
    "capture": {"token": "$.token", "user_id": "$.user_id"},
}
PROFILE = {
    "name": "profile",
    "method": "GET",
    "path": "/users/{{ vars.user_id }}",
    "headers": {"Authorization": "Bearer {{ vars.token }}", "Idempotency-Key": "k-{{ run.id }}"},
    "expect": {"status": 200, "body": [{"path": "$.id", "equals": "{{ vars.user_id }}"}]},
}


def run(the_suite: SmokeSuite, handler: Handler, **overrides: Any) -> SmokeReport:
    def factory(**kwargs: Any) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(handler), **kwargs)

    arguments: dict[str, Any] = {
        "secrets": InMemorySecrets({"app/user": json.dumps({"password": PASSWORD})}),
        "deadline_seconds": 10.0,
        "client_factory": factory,
    }
    arguments.update(overrides)
    return run_suite(the_suite, "https://preprod.test", **arguments)


def myapp(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/login":
        assert json.loads(request.content) == {"password": PASSWORD}
        return httpx.Response(200, json={"token": "tok-123456", "user_id": "u 1"})
    if request.url.path == "/users/u 1":
        assert request.headers["Authorization"] == "Bearer tok-123456"
        assert request.headers["Idempotency-Key"].startswith("k-")
        assert request.url.raw_path == b"/users/u%201"
        return httpx.Response(200, json={"id": "u 1", "token": "tok-123456"})
    return httpx.Response(404)


def steps(report: SmokeReport) -> list[tuple[str, StepStatus]]:
    return [(s.name, s.status) for sc in report.scenarios for s in sc.steps]


def test_captured_values_flow_into_later_steps() -> None:
    report = run(suite({"name": "profile", "steps": [LOGIN, PROFILE]}), myapp)

    assert report.passed, report.summary_text()
    assert steps(report) == [("login", StepStatus.PASSED), ("profile", StepStatus.PASSED)]


def test_a_failed_step_stops_its_scenario_and_the_rest_are_skipped_with_the_reason() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token": "tok-123456"})  # no user_id

    report = run(suite({"name": "profile", "steps": [LOGIN, PROFILE]}), broken)

    login, profile = report.scenarios[0].steps
    assert [f.text() for f in login.failures] == [
        "capture user_id: expected one value at $.user_id, got nothing"
    ]
    assert (profile.status, profile.error) == (StepStatus.SKIPPED, "not run: step 'login' did not pass")
    assert login.body_excerpt == '{"token":"[REDACTED]"}'


def test_a_connection_error_is_retried_even_for_a_post() -> None:
    calls: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return myapp(request)

    report = run(suite({"name": "login", "steps": [LOGIN]}), flaky)

    assert report.passed
    assert report.scenarios[0].steps[0].attempts == 2


def test_a_read_timeout_is_not_retried_for_a_post_that_may_have_paid() -> None:
    calls: list[str] = []

    def hangs(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("timed out", request=request)

    report = run(suite({"name": "login", "steps": [LOGIN]}), hangs)

    login = report.scenarios[0].steps[0]
    assert calls == ["POST"]
    assert (login.status, login.attempts) == (StepStatus.ERROR, 1)
    assert login.error == "no response in time (a POST is not retried: it may have taken effect)"


def test_a_read_timeout_is_retried_for_a_get() -> None:
    calls: list[str] = []

    def hangs(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("timed out", request=request)

    health = {"name": "health", "method": "GET", "path": "/health", "expect": {"status": 200}}
    report = run(suite({"name": "health", "steps": [health]}), hangs)

    step = report.scenarios[0].steps[0]
    assert calls == ["GET", "GET", "GET"]
    assert step.error == "no response in time (after 3 attempts)"


def test_a_5xx_is_an_assertion_failure_and_never_retried() -> None:
    calls: list[str] = []

    def unavailable(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503, text="<html>upstream down</html>", headers={"content-type": "text/html"})

    health = {"name": "health", "method": "GET", "path": "/health", "expect": {"status": 200}}
    report = run(suite({"name": "health", "steps": [health]}), unavailable)

    step = report.scenarios[0].steps[0]
    assert calls == ["GET"]
    assert [f.text() for f in step.failures] == ["status: expected 200, got 503 Service Unavailable"]
    assert step.body_excerpt == "<html>upstream down</html>"


def test_a_step_over_its_latency_budget_fails_but_its_scenario_goes_on() -> None:
    def slow_login(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/login":
            time.sleep(0.05)
        return myapp(request)

    login = {**LOGIN, "latency_budget_ms": 1}
    report = run(suite({"name": "profile", "steps": [login, PROFILE]}), slow_login)

    first, second = report.scenarios[0].steps
    assert first.status is StepStatus.FAILED
    assert [f.check for f in first.failures] == ["latency"]
    assert first.failures[0].expected == "at most 1 ms"
    assert second.status is StepStatus.PASSED


def test_scenarios_run_concurrently() -> None:
    # Given two scenarios whose requests each wait for the other to arrive
    both_in = threading.Barrier(2, timeout=5)

    def rendezvous(request: httpx.Request) -> httpx.Response:
        both_in.wait()
        return httpx.Response(200)

    def health(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "steps": [{"name": "h", "method": "GET", "path": "/h", "expect": {"status": 200}}],
        }

    # When the suite runs, then both passed (run one after the other, the barrier would break)
    report = run(suite(health("a"), health("b")), rendezvous)
    assert report.passed, report.summary_text()


def test_steps_after_the_deadline_are_not_run() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.1)
        return myapp(request)

    report = run(suite({"name": "profile", "steps": [LOGIN, PROFILE]}), slow, deadline_seconds=0.05)

    assert report.deadline_exceeded
    assert not report.passed
    skipped = report.scenarios[0].steps[-1]
    assert (skipped.status, skipped.error) == (StepStatus.SKIPPED, "not run: the overall deadline passed")


def test_a_crash_in_one_scenario_is_reported_as_an_error_of_its_step() -> None:
    def crashing(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/boom":
            raise RuntimeError("bug")
        return httpx.Response(200)

    def one(name: str, path: str) -> dict[str, Any]:
        return {
            "name": name,
            "steps": [{"name": "s", "method": "GET", "path": path, "expect": {"status": 200}}],
        }

    report = run(suite(one("ok", "/ok"), one("boom", "/boom")), crashing)

    assert [sc.passed for sc in report.scenarios] == [True, False]
    assert report.scenarios[1].steps[0].error == "internal error: RuntimeError"


def test_the_client_is_built_with_tls_verification_and_the_timeout(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[dict[str, Any]] = []

    def factory(**kwargs: Any) -> httpx.Client:
        seen.append(kwargs)
        return httpx.Client(transport=httpx.MockTransport(myapp), **kwargs)

    run(suite({"name": "login", "steps": [LOGIN]}), myapp, client_factory=factory, request_timeout_seconds=3)

    assert seen[0]["verify"] is True
    assert seen[0]["base_url"] == "https://preprod.test"
    assert seen[0]["timeout"] == httpx.Timeout(3)
    assert seen[0]["follow_redirects"] is False


def test_no_secret_or_token_reaches_the_logs_or_the_report(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")

    def leaky(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/login":
            return myapp(request)
        return httpx.Response(500, json={"echo": request.headers["Authorization"], "pw": PASSWORD})

    report = run(suite({"name": "profile", "steps": [LOGIN, PROFILE]}), leaky)

    stored = json.dumps(report.model_dump(mode="json"))
    for text in (caplog.text, stored, report.summary_text()):
        assert PASSWORD not in text
        assert "tok-123456" not in text
    assert report.scenarios[0].steps[1].body_excerpt == '{"echo":"Bearer [REDACTED]","pw":"[REDACTED]"}'
