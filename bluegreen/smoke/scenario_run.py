"""One scenario of the smoke suite, step by step: send (with retries for transient errors only),
check status, body and captures, and keep the redacted report."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from pydantic import JsonValue

from bluegreen.smoke.assertions import evaluate, select
from bluegreen.smoke.errors import TemplateValueError
from bluegreen.smoke.model import Scenario, SmokeSuite, Step
from bluegreen.smoke.no_answer import classify
from bluegreen.smoke.redaction import REDACTED, Redactor, truncate
from bluegreen.smoke.report import (
    MAX_ERROR_CHARS,
    MAX_EXCERPT_CHARS,
    MAX_FAILURES_PER_STEP,
    MAX_VALUE_CHARS,
    CheckFailure,
    ScenarioReport,
    StepReport,
    StepStatus,
)
from bluegreen.smoke.templating import TemplateContext, render_json, render_text

logger = logging.getLogger(__name__)

ClientFactory = Callable[..., httpx.Client]
"""Called once per scenario with keyword arguments `base_url`, `verify`, `timeout`,
`follow_redirects` and `headers`; must return an `httpx.Client` (tests add a transport)."""

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


def milliseconds(seconds: float) -> int:
    return round(seconds * 1000)


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
                latency = milliseconds(time.perf_counter() - started)
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
            return _Attempted(response, milliseconds(time.perf_counter() - started), attempt)

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
        return ScenarioReport(
            name=self.scenario.name, duration_ms=milliseconds(end - self._started), steps=steps
        )
