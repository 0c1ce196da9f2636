"""Run a smoke suite against the preprod host and report every step.

Scenarios run concurrently, one thread and one `httpx.Client` each (no shared cookies or
connections), so the wall time is close to the slowest scenario. Within a scenario, steps run
in order; a step whose status, body or capture check fails stops its scenario (later steps
would only fail for the same reason), while a step that is merely over its latency budget is
reported as failed and the scenario goes on.

Retries are for transient network errors only. A request that may have reached the server
(a read timeout, a dropped connection) is retried only for idempotent methods: a POST that
pays a bill is never sent twice.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime

import httpx

from bluegreen.smoke.errors import SecretUnavailableError
from bluegreen.smoke.model import SmokeSuite
from bluegreen.smoke.redaction import Redactor
from bluegreen.smoke.report import (
    ScenarioReport,
    SmokeReport,
)
from bluegreen.smoke.scenario_run import (
    DEADLINE_GRACE_SECONDS,
    USER_AGENT,
    ClientFactory,
    Deadline,
    ScenarioRun,
    milliseconds,
)
from bluegreen.smoke.secrets import SecretsProvider, resolve_all
from bluegreen.smoke.templating import TemplateContext

logger = logging.getLogger(__name__)

__all__ = ["ClientFactory", "Deadline", "ScenarioRun", "run_suite"]


def run_suite(
    suite: SmokeSuite,
    base_url: str,
    *,
    secrets: SecretsProvider,
    deadline_seconds: float,
    verify_tls: bool = True,
    request_timeout_seconds: float = 10.0,
    client_factory: ClientFactory | None = None,
) -> SmokeReport:
    """Run every scenario of `suite` against `base_url` and return the (redacted) report.

    Never raises for what happens on the wire or in Secrets Manager: those end up in the
    report (`error` for a suite that could not start, per-step entries otherwise). The
    function returns within `deadline_seconds` (+0.5 s grace) even if a server hangs.
    """
    started_at = datetime.now(UTC)
    started = time.monotonic()
    deadline = Deadline.start(deadline_seconds)
    redactor = Redactor(suite.redact_fields)

    def finish(
        scenarios: list[ScenarioReport], *, error: str | None = None, late: bool = False
    ) -> SmokeReport:
        return SmokeReport(
            base_url=base_url,
            started_at=started_at,
            duration_ms=milliseconds(time.monotonic() - started),
            deadline_ms=milliseconds(deadline_seconds),
            deadline_exceeded=late,
            error=error,
            scenarios=scenarios,
        )

    try:
        secret_values = resolve_all(suite.secrets, secrets)
    except SecretUnavailableError as exc:
        logger.error("smoke suite not run: %s", exc)
        return finish([], error=f"cannot read the suite's secrets: {exc}")
    for value in secret_values.values():
        redactor.add_value(value)

    factory: ClientFactory = client_factory or httpx.Client
    run_id = uuid.uuid4().hex[:16]

    def open_client() -> httpx.Client:
        return factory(
            base_url=base_url,
            verify=verify_tls,
            timeout=httpx.Timeout(request_timeout_seconds),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )

    runs = [
        ScenarioRun(
            suite,
            scenario,
            context=TemplateContext(secrets=secret_values, run_id=run_id, vars={}),
            redactor=redactor,
            deadline=deadline,
            open_client=open_client,
            request_timeout=request_timeout_seconds,
        )
        for scenario in suite.scenarios
    ]
    pool = ThreadPoolExecutor(max_workers=len(runs), thread_name_prefix="smoke")
    try:
        futures = [pool.submit(run.execute) for run in runs]
        wait(futures, timeout=deadline.remaining() + DEADLINE_GRACE_SECONDS)
    finally:
        # Never wait for a hung scenario: its report says what it was doing at the deadline.
        pool.shutdown(wait=False, cancel_futures=True)
    late = any(run.deadline_hit for run in runs)
    report = finish([run.report() for run in runs], late=late)
    log = logger.info if report.passed else logger.warning
    log("smoke suite %s: %s", "passed" if report.passed else "failed", report.summary_text())
    return report
