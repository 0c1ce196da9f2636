"""What the rehearsal tells the person watching: timed lines as it goes, what each domain answered
through every gateway, the smoke report, the workflow's timeline and a summary."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from bluegreen.config import AppConfig
from bluegreen.gateway.harness import get
from bluegreen.local.emf_log import EmfLog
from bluegreen.local.rehearsal.gateways import Gateway
from bluegreen.smoke.report import SmokeReport, StepStatus

MARKS = {StepStatus.PASSED: "ok", StepStatus.FAILED: "FAILED", StepStatus.ERROR: "ERROR"}


@dataclass
class Event:
    at: float
    text: str


@dataclass
class Narrator:
    events: list[Event] = field(default_factory=list)
    samples: dict[str, list[str]] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def say(self, text: str) -> None:
        event = Event(time.monotonic() - self.started, text)
        self.events.append(event)
        print(f"  {event.at:7.2f}s  {text}", flush=True)

    def sample(self, label: str, gateways: list[Gateway], config: AppConfig) -> None:
        """Every service's health path on the live and the preprod domain, through every gateway."""
        answers: dict[str, set[str]] = {}
        for domain in (config.domains.live, config.domains.preprod):
            for gateway in gateways:
                for service in config.services:
                    response = get(gateway.port, domain, service.health_path)
                    try:
                        body = json.loads(response.body)
                        answer = f"{body['version']} ({body['color']})"
                    except (ValueError, KeyError):
                        answer = f"HTTP {response.status}"
                    answers.setdefault(domain, set()).add(answer)
        for domain, seen in answers.items():
            self.samples.setdefault(label, []).append(f"{domain}: {', '.join(sorted(seen))}")
            self.say(f"{domain} answered by {', '.join(sorted(seen))} [{label}]")

    def smoke_report(self, record: dict[str, Any], pods: str) -> None:
        """The smoke suite's report as the approver would read it, one line per scenario."""
        smoke = record.get("smoke")
        if not smoke:
            return
        if "scenarios" not in smoke:  # health checks only (no suite in the config)
            print(f"\nsmoke tests: {smoke.get('summary')}")
            return
        report = SmokeReport.model_validate(smoke)
        print(f"\nsmoke report: {report.base_url} (nginx) -> {pods}, {report.duration_ms} ms")
        for scenario in report.scenarios:
            verdict = "passed" if scenario.passed else "FAILED"
            print(f"  {verdict:<7} {scenario.name}")
            for step in scenario.steps:
                mark = MARKS.get(step.status, step.status.value)
                answer = f"HTTP {step.http_status}" if step.http_status else "no answer"
                latency = f", {step.latency_ms} ms" if step.latency_ms is not None else ""
                line = f"    {mark:<7} {step.name}: {step.method} {step.path} -> {answer}{latency}"
                if step.status in (StepStatus.FAILED, StepStatus.ERROR):
                    line += f"; {step.reason()}"
                print(line)
        if report.error:
            print(f"  suite not run: {report.error}")

    def summary(
        self,
        record: dict[str, Any],
        timeline: list[str],
        active_now: str,
        rollback: dict[str, Any],
    ) -> None:
        print("\nworkflow timeline (moto's clock; waits are virtual):\n   started   took   step")
        print("\n".join(timeline))
        colors = record.get("colors", {})
        print("\nsummary")
        print(
            f"  release     {record.get('release_id')} {record.get('version')} "
            f"by {record.get('triggered_by')}"
        )
        reason = f": {record['reason']}" if record.get("reason") else ""
        reason = reason.replace("\n", "\n" + " " * 14)
        print(f"  outcome     {record.get('outcome')}{reason}")
        print(
            f"  colours     {colors.get('before')} -> {colors.get('after', colors.get('target'))}, "
            f"now {active_now}"
        )
        if rollback:
            print(f"  rollback    {rollback.get('status')}: {rollback.get('message')}")
        for label in ("before", "switched", "after"):
            for line in self.samples.get(label, []):
                print(f"  {label:<11} {line}")
        print(f"  took        {time.monotonic() - self.started:.1f} s")

    def metrics(self, log: EmfLog) -> None:
        where = f" ({log.path})" if log.path else ""
        print(f"\nmetrics: {len(log.lines)} EMF documents, as CloudWatch Logs would receive them{where}")
        for line in log.summary():
            print(f"  {line}")

    def report(self, text: str) -> None:
        print("\n`bluegreen report --since 1d`:")
        print(text.rstrip())
