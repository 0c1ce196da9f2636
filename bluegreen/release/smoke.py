"""SmokeTests: prove the idle colour through the preprod host before anyone is asked to approve.

For now a health check of every service through `smoke.base_url` (which points at preprod, and so
at the idle colour); the payment suite replaces it.
"""

from __future__ import annotations

import httpx

from bluegreen.errors import SmokeTestsFailedError
from bluegreen.models import ReleaseContext, SmokeResult
from bluegreen.runtime import Runtime


def run_smoke_tests(context: ReleaseContext, rt: Runtime) -> SmokeResult:
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
