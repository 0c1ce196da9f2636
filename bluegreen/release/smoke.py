"""SmokeTests: prove the idle colour through the preprod host before anyone is asked to approve.

With a `smoke.suite` in the config, the payment smoke suite runs (bluegreen.smoke); without one, a
health check of every service. Both go through `smoke.base_url`, which is preprod, and so the idle
colour.
"""

from __future__ import annotations

import httpx

from bluegreen.errors import SmokeTestsFailedError
from bluegreen.metrics import release_metrics
from bluegreen.models import ReleaseContext, SmokeResult
from bluegreen.runtime import Runtime


def run_smoke_tests(context: ReleaseContext, rt: Runtime) -> SmokeResult:
    if rt.config.smoke.suite is not None:
        return run_payment_suite(context, rt)
    return run_health_checks(context, rt)


def run_payment_suite(context: ReleaseContext, rt: Runtime) -> SmokeResult:
    from bluegreen.smoke import run_suite

    smoke = rt.config.smoke
    assert smoke.suite is not None
    report = run_suite(
        smoke.suite,
        smoke.base_url,
        secrets=rt.smoke_secrets(),
        deadline_seconds=smoke.deadline_seconds,
        verify_tls=smoke.verify_tls,
        request_timeout_seconds=smoke.timeout_seconds,
        client_factory=rt.smoke_clients,
    )
    release_metrics.smoke_ran(rt, context.release_id, report)
    summary = report.summary_text()
    rt.releases.update_record(
        context.release_id,
        {"smoke": {"summary": summary, **report.model_dump(mode="json")}},
        step="smoke_tested",
    )
    if not report.passed:
        raise SmokeTestsFailedError(summary)
    return SmokeResult(passed=True, summary=summary)


def run_health_checks(context: ReleaseContext, rt: Runtime) -> SmokeResult:
    base = rt.config.smoke.base_url.rstrip("/")
    results: dict[str, str] = {}
    failures: list[str] = []
    for service in rt.config.services:
        url = f"{base}{service.health_path}"
        try:
            response = rt.http.get(url)
        except httpx.HTTPError as exc:
            results[service.name] = f"error: {type(exc).__name__}"
            failures.append(f"{service.name}: {url} unreachable ({type(exc).__name__})")
            continue
        results[service.name] = str(response.status_code)
        if not response.is_success:
            failures.append(f"{service.name}: {url} answered {response.status_code}")
    passed = not failures
    summary = (
        f"{len(results)} service health check(s) passed through {base}" if passed else "; ".join(failures)
    )
    rt.releases.update_record(
        context.release_id,
        {"smoke": {"passed": passed, "summary": summary, "results": results}},
        step="smoke_tested",
    )
    if not passed:
        raise SmokeTestsFailedError(summary)
    return SmokeResult(passed=True, summary=summary)
