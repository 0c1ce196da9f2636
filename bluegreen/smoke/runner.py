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
import re
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from pydantic import JsonValue

from bluegreen.smoke.assertions import evaluate, select
from bluegreen.smoke.errors import SecretUnavailableError, TemplateValueError
from bluegreen.smoke.model import Scenario, SmokeSuite, Step
from bluegreen.smoke.redaction import REDACTED, Redactor, truncate
from bluegreen.smoke.report import (
    MAX_ERROR_CHARS,
    MAX_EXCERPT_CHARS,
    MAX_FAILURES_PER_STEP,
    MAX_VALUE_CHARS,
    CheckFailure,
    ScenarioReport,
    SmokeReport,
    StepReport,
    StepStatus,
)
from bluegreen.smoke.secrets import SecretsProvider, resolve_all
from bluegreen.smoke.templating import TemplateContext, render_json, render_text

logger = logging.getLogger(__name__)

ClientFactory = Callable[..., httpx.Client]
"""Called once per scenario with keyword arguments `base_url`, `verify`, `timeout`,
`follow_redirects` and `headers`; must return an `httpx.Client` (tests add a transport)."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
USER_AGENT = "bluegreen-smoke/1"
DEADLINE_GRACE_SECONDS = 0.5
DEADLINE_SLACK_SECONDS = 0.05  # a timeout this close to the deadline was the deadline's doing
_LAST_FIELD = re.compile(r"([A-Za-z0-9_-]+)['\"\]]*$")


@dataclass(frozen=True)
class Deadline:
    ends_at: float
    seconds: float

    @classmethod
    def start(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds, seconds)

    def remaining(self) -> float:
        return max(0.0, self.ends_at - time.monotonic())


@dataclass(frozen=True)
class _Attempted:
    response: httpx.Response | None
    latency_ms: int | None
    attempts: int
    error: str | None = None
    deadline_hit: bool = False


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _cause_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def classify(exc: httpx.HTTPError, method: str) -> tuple[bool, str]:
    """(worth retrying, what happened in words) for an error that left no response."""
    chain = _cause_chain(exc)
    verify = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if verify is not None or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        detail = verify.verify_message if verify is not None else str(exc)
        return False, f"TLS certificate verification failed: {detail}"
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        return False, f"TLS handshake failed: {tls.reason or tls}"
    may_have_arrived = isinstance(
        exc, httpx.ReadTimeout | httpx.WriteTimeout | httpx.ReadError | httpx.WriteError
    )
    may_have_arrived = may_have_arrived or isinstance(exc, httpx.RemoteProtocolError)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return True, "could not connect in time"
    if isinstance(exc, httpx.ConnectError):
        return True, f"could not connect: {exc}"
    if may_have_arrived:
        what = (
            "no response in time" if isinstance(exc, httpx.TimeoutException) else f"connection broken: {exc}"
        )
        if method in IDEMPOTENT_METHODS:
            return True, what
        return False, f"{what} (a {method} is not retried: it may have taken effect)"
    return False, f"{type(exc).__name__}: {exc}"


class ScenarioRun:
    """One scenario on one thread. `report()` may be called from another thread at any time."""

    def __init__(
        self,
        suite: SmokeSuite,
        scenario: Scenario,
        *,
        context: TemplateContext,
        redactor: Redactor,
        deadline: Deadline,
        open_client: Callable[[], httpx.Client],
        request_timeout: float,
    ) -> None:
        self.suite = suite
        self.scenario = scenario
        self.context = context
        self.redactor = redactor
        self.deadline = deadline
        self.open_client = open_client
        self.request_timeout = request_timeout
        self._lock = threading.Lock()
        self._steps: list[StepReport] = []
        self._stop_reason = ""
        self._started = time.monotonic()
        self._finished: float | None = None
        self._deadline_hit = False

    @property
    def deadline_hit(self) -> bool:
        with self._lock:
            return self._deadline_hit or self._finished is None

    # -- on the scenario's thread -------------------------------------------------------

    def execute(self) -> None:
        self._started = time.monotonic()
        try:
            with self.open_client() as client:
                for step in self.scenario.steps:
                    if self.deadline.remaining() <= 0:
                        self._stop("not run: the overall deadline passed", deadline=True)
                        return
                    try:
                        report, go_on = self._run_step(client, step)
                    except Exception as exc:  # a bug must not lose the other scenarios' results
                        logger.error(
                            "smoke %s/%s crashed: %s", self.scenario.name, step.name, type(exc).__name__
                        )
                        report, go_on = self._error(step, f"internal error: {type(exc).__name__}"), False
                    self._add(report)
                    if not go_on:
                        self._stop(f"not run: step {step.name!r} did not pass")
                        return
        except Exception as exc:  # opening the client (e.g. a bad CA bundle): blame the next step
            with self._lock:
                pending = self.scenario.steps[len(self._steps) :]
            if pending:
                self._add(self._error(pending[0], f"could not open an HTTP client: {type(exc).__name__}"))
            self._stop("not run: no HTTP client")
        finally:
            with self._lock:
                self._finished = time.monotonic()

    def _add(self, report: StepReport) -> None:
        with self._lock:
            self._steps.append(report)
        passed = report.status is StepStatus.PASSED
        logger.log(
            logging.INFO if passed else logging.WARNING,
            "smoke %s/%s %s %s: %s (HTTP %s, %s ms)%s",
            self.scenario.name,
            report.name,
            report.method,
            report.path,
            report.status.value,
            report.http_status,
            report.latency_ms,
            "" if passed else f": {report.reason()}",
        )

    def _stop(self, reason: str, *, deadline: bool = False) -> None:
        with self._lock:
            self._stop_reason = reason
            self._deadline_hit = self._deadline_hit or (deadline and self.deadline.remaining() <= 0)

    def _step_report(self, step: Step, status: StepStatus, **fields: object) -> StepReport:
        return StepReport.model_validate(
            {
                "name": step.name,
                "method": step.method,
                "path": step.path,
                "status": status,
                "latency_budget_ms": self.suite.budget_ms(step),
                **fields,
            }
        )

    def _error(self, step: Step, message: str, **fields: object) -> StepReport:
        text = truncate(self.redactor.free_text(message), MAX_ERROR_CHARS)
        return self._step_report(step, StepStatus.ERROR, error=text, **fields)

    def _run_step(self, client: httpx.Client, step: Step) -> tuple[StepReport, bool]:
        try:
            path = render_text(step.path, self.context, url_path=True)
            headers = {name: render_text(value, self.context) for name, value in step.headers.items()}
            body = None if step.body is None else render_json(step.body, self.context)
        except TemplateValueError as exc:
            return self._error(step, f"cannot fill in {{{{ {exc.reference} }}}}"), False
        sent = self._send(client, step.method, path, headers, body)
        if sent.response is None:
            report = self._error(
                step, sent.error or "no response", attempts=sent.attempts, latency_ms=sent.latency_ms
            )
            if sent.deadline_hit:
                with self._lock:
                    self._deadline_hit = True
            return report, False
        return self._check(step, sent.response, sent)

    def _send(
        self, client: httpx.Client, method: str, path: str, headers: dict[str, str], body: JsonValue
    ) -> _Attempted:
        policy = self.suite.retry
        attempt = 0
        while True:
            attempt += 1
            remaining = self.deadline.remaining()
            if remaining <= 0:
                return _Attempted(None, None, attempt - 1, "not sent: the overall deadline passed", True)
            timeout = min(self.request_timeout, remaining)
            started = time.perf_counter()
            try:
                response = client.request(method, path, headers=headers, json=body, timeout=timeout)
            except httpx.HTTPError as exc:
                latency = _ms(time.perf_counter() - started)
                transient, what = classify(exc, method)
                bounded = (
                    timeout < self.request_timeout and self.deadline.remaining() < DEADLINE_SLACK_SECONDS
                )
                by_deadline = isinstance(exc, httpx.TimeoutException) and bounded
                if by_deadline:
                    what = f"{what}: cut off by the overall deadline of {self.deadline.seconds:g} s"
                    return _Attempted(None, latency, attempt, what, True)
                backoff = policy.backoff_seconds * 2 ** (attempt - 1)
                if transient and attempt < policy.attempts and self.deadline.remaining() > backoff:
                    logger.info(
                        "smoke %s: transient error, retrying (%d/%d)", method, attempt, policy.attempts
                    )
                    time.sleep(backoff)
                    continue
                suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
                return _Attempted(None, latency, attempt, what + suffix)
            return _Attempted(response, _ms(time.perf_counter() - started), attempt)

    def _check(self, step: Step, response: httpx.Response, sent: _Attempted) -> tuple[StepReport, bool]:
        failures: list[CheckFailure] = []
        expected = step.expect.status
        if response.status_code != expected:
            # The body checks assume the expected status; the excerpt shows what came instead.
            actual = f"{response.status_code} {response.reason_phrase}".strip()
            failures.append(CheckFailure(check="status", expected=str(expected), actual=actual))
        document: JsonValue = None
        parsed = False
        if not failures and (step.expect.body or step.capture):
            try:
                document = response.json()
                parsed = True
            except ValueError:
                kind = response.headers.get("content-type", "no content type")
                failures.append(
                    CheckFailure(
                        check="json", expected="a JSON body", actual=f"a body that is not JSON ({kind})"
                    )
                )
        if parsed:
            failures += self._capture(step, document)
            failures += self._assert(step, document)
        budget = self.suite.budget_ms(step)
        latency = sent.latency_ms or 0
        blocking = bool(failures)
        if latency > budget:
            failures.append(
                CheckFailure(check="latency", expected=f"at most {budget} ms", actual=f"{latency} ms")
            )
        fields: dict[str, object] = {
            "http_status": response.status_code,
            "latency_ms": sent.latency_ms,
            "attempts": sent.attempts,
        }
        if not failures:
            return self._step_report(step, StepStatus.PASSED, **fields), True
        excerpt = self.redactor.excerpt(response.content, MAX_EXCERPT_CHARS)
        report = self._step_report(
            step,
            StepStatus.FAILED,
            failures=failures[:MAX_FAILURES_PER_STEP],
            body_excerpt=excerpt,
            **fields,
        )
        return report, not blocking

    def _is_sensitive_path(self, expression: str) -> bool:
        match = _LAST_FIELD.search(expression)
        return match is not None and self.redactor.is_sensitive_field(match.group(1))

    def _capture(self, step: Step, document: JsonValue) -> list[CheckFailure]:
        failures: list[CheckFailure] = []
        for name, expression in step.capture.items():
            values = select(expression, document)
            if len(values) != 1:
                found = "nothing" if not values else f"{len(values)} values"
                failures.append(
                    CheckFailure(check=f"capture {name}", expected=f"one value at {expression}", actual=found)
                )
                continue
            if self.redactor.is_sensitive_field(name) or self._is_sensitive_path(expression):
                self.redactor.add_value(values[0])
            self.context.vars[name] = values[0]
        return failures

    def _assert(self, step: Step, document: JsonValue) -> list[CheckFailure]:
        failures: list[CheckFailure] = []
        for check in step.expect.body:
            try:
                operand = render_json(check.operand, self.context)
            except TemplateValueError as exc:
                failures.append(
                    CheckFailure(check=check.path, expected=f"{{{{ {exc.reference} }}}}", actual="-")
                )
                continue
            outcome = evaluate(check.path, check.operator, operand, document)
            if outcome.ok:
                continue
            if not outcome.found:
                actual = "nothing at that path"
            elif self._is_sensitive_path(check.path):
                actual = REDACTED
            else:
                actual = self.redactor.show(outcome.actual, MAX_VALUE_CHARS)
            expected = truncate(self.redactor.free_text(outcome.expected), MAX_VALUE_CHARS)
            failures.append(CheckFailure(check=check.path, expected=expected, actual=actual))
        return failures

    # -- on any thread --------------------------------------------------------------------

    def report(self) -> ScenarioReport:
        with self._lock:
            steps = list(self._steps)
            finished = self._finished
            stop_reason = self._stop_reason
        remaining = self.scenario.steps[len(steps) :]
        if finished is None and remaining:  # still running at the deadline: report the step in flight
            seconds = self.deadline.seconds
            steps.append(self._error(remaining[0], f"no result before the overall deadline of {seconds:g} s"))
            remaining = remaining[1:]
            stop_reason = "not run: the overall deadline passed"
        steps += [
            self._step_report(step, StepStatus.SKIPPED, error=stop_reason or "not run") for step in remaining
        ]
        end = finished if finished is not None else time.monotonic()
        return ScenarioReport(name=self.scenario.name, duration_ms=_ms(end - self._started), steps=steps)


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
            duration_ms=_ms(time.monotonic() - started),
            deadline_ms=_ms(deadline_seconds),
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
