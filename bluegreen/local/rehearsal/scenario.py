"""The story the rehearsal plays, and whether it went as scripted.

Release `version` with the `bluegreen` CLI: deploy to the idle colour, the app's smoke suite through
its preprod domain (nginx, the new colour's pods), approval by the configured approvers (or, with
`manual`, from another terminal), the switch, the bake; then one of the alarm acts. With
`broken_payments` the released version's payment service declines every Visa card: the suite
fails and the release stops before anyone is asked to approve.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bluegreen.colors import Color
from bluegreen.errors import ConfigError
from bluegreen.gateway.harness import find_nginx, lua_modules_present
from bluegreen.local.doctor_gate import doctor_gate
from bluegreen.local.rehearsal.narration import Narrator
from bluegreen.local.rehearsal.stage import MOTO_ENV, Stage, build_stage
from bluegreen.local.rehearsed_app import RehearsedApp
from bluegreen.local.stand_in.api import Faults
from bluegreen.local.stand_in.cards import VISA
from bluegreen.local.timeline import timeline

EXIT_SETUP = (
    2  # nginx or its Lua module missing, a config the rehearsal cannot play, a part that did not start
)
AlarmAct = Literal["after", "bake", "none"]
ALARM_REASON = "rehearsal: card declines spiked"


class RehearsalSetupError(Exception):
    """The options ask for an act the app's config cannot play."""


@dataclass(frozen=True)
class Options:
    config_path: Path
    overlay_path: Path | None = None
    version: str = "v2"
    manual: bool = False
    alarm: AlarmAct = "after"
    """after the release (AlarmRollback), during the bake, or none."""
    broken_payments: bool = False
    workdir: Path | None = None


class Rehearsal:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.narrator = Narrator()
        self.started_at = datetime.now(UTC)
        """The pipeline's start, as `--commit-time`: where the release's lead time starts."""

    def run(self) -> int:
        binary = find_nginx()
        if binary is None or not lua_modules_present():
            print(
                "the rehearsal needs nginx and libnginx-mod-http-lua: run scripts/install_system_deps.sh "
                "(or `make demo-quick` for the release alone)",
                file=sys.stderr,
            )
            return EXIT_SETUP
        try:
            app = RehearsedApp.load(self.options.config_path, self.options.overlay_path)
            approvers = app.approvers()
            alarm = self._alarm_of(app)
        except (ConfigError, RehearsalSetupError) as exc:
            print(f"cannot rehearse: {exc}", file=sys.stderr)
            return EXIT_SETUP
        with ExitStack() as stack:
            workdir = self.options.workdir or Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="bg-rehearsal-"))
            )
            workdir.mkdir(parents=True, exist_ok=True)
            config = app.config
            print(
                f"bluegreen rehearsal: {config.app}/{config.environment} from {self.options.config_path}, "
                f"release {self.options.version} (work dir {workdir})"
            )
            stage = build_stage(
                app,
                approvers=approvers,
                binary=binary,
                workdir=workdir,
                stack=stack,
                narrator=self.narrator,
                faults_for=self._faults_for(app),
            )
            gate = doctor_gate(
                stack,
                stage.workflow.aws,
                stage.config,
                kube_url=stage.kube.url,
                workdir=workdir,
                env=stage.env,
            )
            self.narrator.say(f"`bluegreen doctor` (the gate): {gate.verdict}")
            if gate.returncode != 0:
                print(gate.output, flush=True)
                return 1
            return self._play(stage, approvers, alarm)
        return EXIT_SETUP  # pragma: no cover - ExitStack does not swallow exceptions

    # -- what the options ask of the config ----------------------------------------------------------

    def _alarm_of(self, app: RehearsedApp) -> str | None:
        options, config = self.options, app.config
        if options.broken_payments:
            if config.smoke.suite is None or not app.payment_services():
                raise RehearsalSetupError(
                    f"broken payments need a smoke suite in {options.config_path} and a service that "
                    "stands in for payments in its rehearsal overlay (stand_ins.services: <name>: payments)"
                )
            return None
        if options.alarm == "none":
            return None
        alarm = app.alarm_guarding(config.initial_color.other())
        if alarm is None:
            raise RehearsalSetupError(
                f"no alarm guards a release of {config.app}/{config.environment} (alarms in "
                f"{options.config_path}): run with --alarm none"
            )
        if options.alarm == "after" and not (config.rollback.on_alarm and config.rollback.window_minutes):
            raise RehearsalSetupError(
                f"{options.config_path} does not roll back after a release (rollback.on_alarm, "
                "rollback.window_minutes): run with --alarm bake or --alarm none"
            )
        return alarm

    def _faults_for(self, app: RehearsedApp) -> Any:
        broken = set(app.payment_services()) if self.options.broken_payments else set()
        version = self.options.version

        def faults_for(versions: Mapping[str, str]) -> Faults:
            if any(versions.get(service) == version for service in broken):
                return Faults(declined_brands={VISA})
            return Faults()

        return faults_for

    # -- the story ----------------------------------------------------------------------------------

    def _play(self, stage: Stage, approvers: list[str], alarm: str | None) -> int:
        say = self.narrator.say
        if self.options.broken_payments:
            say(
                f"{self.options.version} of {', '.join(stage.app.payment_services())} declines every Visa "
                "card (a broken processor route)"
            )
        self.narrator.sample("before", stage.gateways, stage.config)
        before = stage.active_color()
        record, history = self._release(stage, approvers, alarm)
        rollback: dict[str, Any] = {}
        if self.options.alarm == "after" and alarm and record.get("outcome") == "succeeded":
            rollback = self._alarm_after_release(stage, alarm)
        self.narrator.sample("after", stage.gateways, stage.config)
        target = stage.config.initial_color.other()  # the idle colour the release deployed to
        self.narrator.smoke_report(
            record, f"{target.value} pods (namespace {stage.config.namespaces.of(target)})"
        )
        now = stage.active_color()
        self.narrator.summary(record, timeline(history), now.value, rollback)
        self.narrator.metrics(stage.metrics)
        self.narrator.report(self._report(stage))
        return 0 if self._as_scripted(record, rollback, before, now) else 1

    def _as_scripted(
        self, record: dict[str, Any], rollback: dict[str, Any], before: Color, now: Color
    ) -> bool:
        outcome = record.get("outcome")
        if self.options.broken_payments:
            smoke = record.get("smoke") or {}
            return (
                outcome == "failed"
                and smoke.get("passed") is False
                and "approval" not in record
                and now == before
            )
        if self.options.alarm == "after":
            return outcome == "succeeded" and rollback.get("status") == "rolled_back" and now == before
        if self.options.alarm == "bake":
            return outcome == "rolled_back" and now == before
        return outcome == "succeeded" and now != before

    def _release(
        self, stage: Stage, approvers: list[str], alarm: str | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        workflow, say = stage.workflow, self.narrator.say
        bake_checks = 0

        def on_invoke(function: str, event: dict[str, Any]) -> None:
            nonlocal bake_checks
            if function == "ConfirmGateways":  # the agents poll in real time: let them catch up
                with contextlib.suppress(TimeoutError):
                    stage.wait_for_acks(timeout=10)
            if function == "CheckBake":
                bake_checks += 1
                if bake_checks == 1:
                    self.narrator.sample("switched", stage.gateways, stage.config)
                if bake_checks == 2 and self.options.alarm == "bake" and alarm:
                    workflow.aws.cloudwatch.set_alarm_state(
                        AlarmName=alarm, StateValue="ALARM", StateReason=ALARM_REASON
                    )
                    say(f"alarm {alarm} fired during the bake")

        workflow.on_invoke = on_invoke
        release_id, arn = self._start(stage)
        workflow.wait_until(
            lambda: (
                workflow.pending_approval(release_id) is not None
                or workflow.describe(arn)["status"] != "RUNNING"
            ),
            timeout=120,
            what="an approval request or the end of the release",
        )
        record: dict[str, Any] = workflow.record(release_id)
        smoke = (record.get("smoke") or {}).get("summary", "not run")
        say(f"deployed to {record.get('colors', {}).get('target')}; {smoke.splitlines()[0]}")
        if workflow.pending_approval(release_id) is not None:
            self._approve(stage, release_id, approvers)
        else:
            say("the release ended before anyone was asked to approve")
        workflow.wait_for_end(arn, timeout=120)
        record = workflow.record(release_id)
        say(f"release {release_id} ended: {record.get('outcome')}")
        return record, workflow.history(arn)

    def _start(self, stage: Stage) -> tuple[str, str]:
        cli = str(Path(sys.executable).with_name("bluegreen"))
        argv = [
            cli,
            "--config",
            str(self.options.config_path),
            "--json",
            "release",
            "start",
            "--version",
            self.options.version,
            "--triggered-by",
            "rehearsal-pipeline",
            "--change-ref",
            "REHEARSAL-1",
            "--commit-time",
            self.started_at.isoformat(),
        ]
        started = subprocess.run(argv, env=stage.env, capture_output=True, text=True, timeout=60, check=True)
        release = json.loads(started.stdout)
        release_id = str(release["release_id"])
        self.narrator.say(f"`bluegreen release start --version {self.options.version}` started {release_id}")
        return release_id, str(release["execution_arn"])

    def _report(self, stage: Stage) -> str:
        """`bluegreen report` over the last day: the four figures for the runs this rehearsal made."""
        cli = str(Path(sys.executable).with_name("bluegreen"))
        argv = [cli, "--config", str(self.options.config_path), "report", "--since", "1d"]
        env = {**stage.env, "COLUMNS": "120"}  # a terminal's width, though its output is captured
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
        return done.stdout if done.returncode == 0 else f"bluegreen report failed: {done.stderr}"

    def _approve(self, stage: Stage, release_id: str, approvers: list[str]) -> None:
        workflow, env = stage.workflow, stage.env
        cli = str(Path(sys.executable).with_name("bluegreen"))
        if not self.options.manual:
            # Through the CLI door, as an approver would: the decide URL takes each call as the next
            # approver (a SigV4-verified caller on AWS), so two approvals are two people.
            argv = [cli, "--config", str(self.options.config_path), "--json", "approve", release_id]
            for _ in approvers:
                subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=True)
            self.narrator.say(f"approved automatically as {', '.join(approvers)} (`bluegreen approve`)")
            return
        names = [*sorted(k for k in env if k.startswith("BLUEGREEN_")), *MOTO_ENV]
        exports = "".join(f"    export {k}={env[k]}\n" for k in names if k in env)
        times = f" ({len(approvers)} approvals: run it {len(approvers)} times)" if len(approvers) > 1 else ""
        print(
            f"\n  waiting for approval of {release_id}{times}. In another terminal:\n\n{exports}"
            f"    {cli} approve {release_id}     # or: reject {release_id} --reason ...\n\n"
            "  Ctrl-C stops the rehearsal.\n",
            flush=True,
        )
        workflow.wait_until(
            lambda: workflow.pending_approval(release_id) is None, timeout=24 * 3600, what="a decision"
        )
        self.narrator.say("approval decided from the other terminal")

    def _alarm_after_release(self, stage: Stage, alarm: str) -> dict[str, Any]:
        """An alarm on the new colour after the release, inside its rollback window: CloudWatch
        changes the alarm's state, the EventBridge rule invokes AlarmRollback with the event."""
        workflow = stage.workflow
        workflow.aws.cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason=ALARM_REASON)
        self.narrator.say(f"alarm {alarm} fired after the release, inside its rollback window")
        event = {
            "detail-type": "CloudWatch Alarm State Change",
            "source": "aws.cloudwatch",
            "detail": {"alarmName": alarm, "state": {"value": "ALARM", "reason": ALARM_REASON}},
        }
        result: dict[str, Any] = workflow.call_handler("AlarmRollback", event)
        stage.wait_for_acks()
        self.narrator.say(f"AlarmRollback (invoked as the EventBridge rule would): {result.get('status')}")
        return result
