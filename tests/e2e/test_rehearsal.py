"""`make demo`, the full rehearsal, end to end, for both example configs: moto server, fake cluster
with real pods processes, one real nginx with its agent per configured gateway, the `bluegreen` CLI,
the app's own smoke suite through preprod. Needs nginx + libnginx-mod-http-lua
(scripts/install_system_deps.sh). Every process it started is gone afterwards, Ctrl-C or not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bluegreen.gateway.harness import find_nginx, lua_modules_present, wait_until
from bluegreen.metrics.names import Metric
from tests.emf import emf_metrics, values

pytestmark = [
    pytest.mark.nginx,
    pytest.mark.skipif(
        find_nginx() is None or not lua_modules_present(), reason="needs nginx and libnginx-mod-http-lua"
    ),
]
ROOT = Path(__file__).resolve().parents[2]


def leftovers(workdir: Path) -> list[str]:
    """Processes whose command line names the rehearsal's work dir (nginx masters, agents, pods)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(workdir) in cmdline and int(proc.name) != os.getpid():
            found.append(f"{proc.name}: {cmdline}")
    return found


def rehearsal(workdir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "bluegreen.local.rehearsal", "--workdir", str(workdir), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )


def pod_requests(workdir: Path, color: str) -> list[str]:
    """`METHOD path status` lines the colour's pods answered."""
    log = workdir / f"pods-{color}.log"
    return log.read_text().splitlines() if log.is_file() else []


def test_release_runs_the_payment_suite_through_preprod_then_an_alarm_rolls_it_back(tmp_path: Path) -> None:
    # When the rehearsal runs with its defaults (config/myapp.yaml, automatic approval, an alarm
    # after the release)
    workdir = tmp_path / "work"
    process = rehearsal(workdir)
    output, _ = process.communicate(timeout=240)
    # Then it exits 0 having shown every act of the release
    assert process.returncode == 0, output
    # the narration only: the functions' own log lines (JSON, and again through the root logger) stay out
    assert '{"level":' not in output
    assert "INFO:bluegreen" not in output
    assert "myapp.com answered by v1 (blue) [before]" in output
    assert "`bluegreen doctor` (the gate): ready: a release could run now" in output
    # and myapp's payment suite ran through preprod (nginx) against the new colour's pods
    assert "Smoke tests PASSED on http://preprod.myapp.com: 4/4 scenarios, 8/8 steps passed" in output
    assert "smoke report: http://preprod.myapp.com (nginx) -> green pods (namespace green)" in output
    for scenario in ("login-and-profile", "bill-mastercard", "bill-visa", "declined-card"):
        assert f"passed  {scenario}\n" in output
    green = pod_requests(workdir, "green")
    assert green.count("POST /payment/v1/bill-payments 201") == 2  # Mastercard and Visa paid
    assert green.count("POST /payment/v1/bill-payments 402") == 1  # the declined card declined
    assert not [line for line in pod_requests(workdir, "blue") if line.startswith("POST")]
    assert "myapp.com answered by v2 (green) [switched]" in output
    assert "preprod.myapp.com answered by v1 (blue) [switched]" in output
    assert "ConfirmGateways        confirmed: gw-a=green v2, gw-b=green v2" in output
    assert "outcome     succeeded" in output
    assert "alarm myapp-prod-payment-failures fired after the release" in output
    assert "AlarmRollback (invoked as the EventBridge rule would): rolled_back" in output
    assert "myapp.com answered by v1 (blue) [after]" in output
    assert "now blue" in output
    # and it produced the release's metrics (valid EMF, in the work dir) ...
    metrics = emf_metrics((workdir / "metrics.emf.jsonl").read_text())
    assert values(metrics, Metric.RELEASE_ENDED, Outcome="succeeded") == [1]
    assert values(metrics, Metric.ROLLBACK_AFTER_RELEASE, Trigger="alarm") == [1]
    assert sum(values(metrics, Metric.CHANGE_FAILED)) == 1
    assert len(values(metrics, Metric.LEAD_TIME)) == 1
    assert "ReleaseEnded{Outcome=succeeded} (Count): 1" in output
    # ... and `bluegreen report` shows the four figures for it: live, failed after, restored
    report = output.split("`bluegreen report --since 1d`:", 1)[1]
    assert "1 went live of 1 ended" in report
    assert "100.0%" in report  # the one release that went live was rolled back after it
    assert "1 restored" in report
    assert "lead time per release" in report
    # and leaves no process behind
    assert leftovers(workdir) == []


def test_a_failing_payment_scenario_stops_the_release_before_approval(tmp_path: Path) -> None:
    # When the released version's payment service declines Visa cards
    workdir = tmp_path / "work"
    process = rehearsal(workdir, "--broken-payments")
    output, _ = process.communicate(timeout=240)
    # Then the smoke suite fails on the Visa payment only, and the release ends before approval
    assert process.returncode == 0, output
    assert "Smoke tests FAILED on http://preprod.myapp.com: 3/4 scenarios, 7/8 steps passed" in output
    assert "FAILED  bill-visa\n" in output
    assert "pay-utility-bill: POST /payment/v1/bill-payments -> HTTP 402" in output
    assert "passed  bill-mastercard\n" in output
    assert "the release ended before anyone was asked to approve" in output
    assert "approved automatically" not in output
    assert "outcome     failed: Smoke tests FAILED" in output
    # and traffic never left v1
    assert "myapp.com answered by v1 (blue) [after]" in output
    assert "[switched]" not in output
    assert leftovers(workdir) == []


def test_make_demo_rehearses_another_app_from_its_config(tmp_path: Path) -> None:
    # Given config/billpay.yaml: five services under their own paths, namespaces billpay-slot-a/b,
    # its own parameter, three gateways, green live, two approvers, its own smoke suite
    workdir = tmp_path / "work"
    # When `make demo CONFIG=config/billpay.yaml` runs
    process = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "demo",
            "CONFIG=config/billpay.yaml",
            f"DEMO_ARGS=--workdir {workdir}",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output, _ = process.communicate(timeout=300)
    # Then billpay is released and rolled back with nothing of myapp in sight
    assert process.returncode == 0, output
    assert "bluegreen rehearsal: billpay/live from config/billpay.yaml" in output
    assert "`bluegreen doctor` (the gate): ready: a release could run now" in output
    assert "follow the parameter /platform/releases/billpay/live/serving-slot" in output
    assert "edge-fra-1" in output
    assert "edge-fra-3" in output
    assert "api.billpay.example answered by v1 (green) [before]" in output
    assert (
        "Smoke tests PASSED on http://preprod-api.billpay.example: 4/4 scenarios, 9/9 steps passed" in output
    )
    assert "-> blue pods (namespace billpay-slot-a)" in output
    assert "ok      retry-same-key: POST /pay/v2/charges -> HTTP 201" in output
    assert (
        # two people: a session of the person-session role, and the mapped duty lead
        "approved automatically as arn:aws:sts::210987654321:assumed-role/billpay-release-managers/"
        "approver-1@billpay.rehearsal, "
        "arn:aws:iam::210987654321:user/ops/billpay-duty-lead (`bluegreen approve`)"
    ) in output
    assert "break-glass" not in output  # each approved through the CLI door, as the person they are
    assert "api.billpay.example answered by v2 (blue) [switched]" in output
    assert "confirmed: edge-fra-1=blue v2, edge-fra-2=blue v2, edge-fra-3=blue v2" in output
    assert "alarm billpay-live-charge-errors fired after the release" in output
    assert "api.billpay.example answered by v1 (green) [after]" in output
    blue = pod_requests(workdir, "blue")
    assert blue.count("POST /pay/v2/charges 201") == 3  # Mastercard (and its retry, replayed), Visa
    assert "POST /pay/v2/charges 402" in blue
    assert "myapp" not in output.lower()
    assert leftovers(workdir) == []


def test_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    process = rehearsal(workdir)
    assert process.stdout is not None
    lines: list[str] = []
    # Given the rehearsal with everything running
    for line in process.stdout:
        lines.append(line)
        if "follow the parameter" in line:
            break
    assert leftovers(workdir), "expected the rehearsal's processes to be running"
    # When Ctrl-C reaches its process group
    os.killpg(process.pid, signal.SIGINT)
    rest, _ = process.communicate(timeout=60)
    # Then it stops, and so does every process it started
    assert process.returncode == 130, "".join(lines) + rest
    wait_until(lambda: not leftovers(workdir), timeout=10, what="no rehearsal process left")


def _cli_has_approve() -> bool:
    from bluegreen.cli import commands  # noqa: F401 - registers the commands
    from bluegreen.cli.main import cli

    return "approve" in cli.commands


@pytest.mark.skipif(not _cli_has_approve(), reason="`bluegreen approve` is not there yet")
def test_manual_approval_from_a_second_terminal(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    process = rehearsal(workdir, "--manual", "--no-alarm")
    assert process.stdout is not None
    lines: list[str] = []
    release_id = ""
    # Given the rehearsal waiting for an approval, printing what a second terminal needs
    for line in process.stdout:
        lines.append(line)
        if "waiting for approval of" in line:
            release_id = line.split("waiting for approval of", 1)[1].split(".", 1)[0].strip()
        if release_id and "approve" in line and "export" not in line:
            break
    env = dict(os.environ)
    for line in lines:
        if line.strip().startswith("export "):
            key, _, value = line.strip().removeprefix("export ").partition("=")
            env[key] = value
    assert release_id, "".join(lines)
    assert "BLUEGREEN_DECIDE_URL" in env, "".join(lines)
    # When an approver runs `bluegreen approve` there
    approve = subprocess.run(
        [str(Path(sys.executable).with_name("bluegreen")), "approve", release_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    rest, _ = process.communicate(timeout=120)
    # Then the release goes on, switches and stays on v2
    assert approve.returncode == 0, approve.stdout + approve.stderr
    assert process.returncode == 0, "".join(lines) + rest
    assert "approval decided from the other terminal" in rest
    assert "myapp.com answered by v2 (green) [after]" in rest
    assert leftovers(workdir) == []
