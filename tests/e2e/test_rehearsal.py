"""`make demo`, the full rehearsal, end to end: moto server, fake cluster with real app processes,
two real nginx gateways with their agents, the `bluegreen` CLI. Needs nginx + libnginx-mod-http-lua
(scripts/install_system_deps.sh). Every process it started is gone afterwards, Ctrl-C or not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bluegreen.gateway.harness import find_nginx, lua_modules_present, wait_until

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


def test_release_succeeds_serves_v2_then_an_alarm_rolls_it_back(tmp_path: Path) -> None:
    # When the rehearsal runs with its defaults (automatic approval, an alarm after the release)
    process = rehearsal(tmp_path / "work")
    output, _ = process.communicate(timeout=240)
    # Then it exits 0 having shown every act of the release
    assert process.returncode == 0, output
    assert "myapp.com answered by v1 (blue) [before]" in output
    assert "`bluegreen doctor` (the gate): ready: a release could run now" in output
    assert "smoke tests: 3 service health check(s) passed through http://preprod.myapp.com" in output
    assert "myapp.com answered by v2 (green) [switched]" in output
    assert "preprod.myapp.com answered by v1 (blue) [switched]" in output
    assert "ConfirmGateways        confirmed: gw-a=green v2, gw-b=green v2" in output
    assert "outcome     succeeded" in output
    assert "alarm myapp-prod-payment-failures fired after the release" in output
    assert "AlarmRollback (invoked as the EventBridge rule would): rolled_back" in output
    assert "myapp.com answered by v1 (blue) [after]" in output
    assert "now blue" in output
    # and leaves no process behind
    assert leftovers(tmp_path / "work") == []


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


@pytest.mark.skipif(not _cli_has_approve(), reason="`bluegreen approve` (issue 5) is not there yet")
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
