"""The packaged systemd unit is one systemd accepts (checked with `systemd-analyze verify` where present)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

UNIT = "bluegreen-gateway.service"
INSTALLED_PATH = "/usr/local/bin/bluegreen-gateway"


def unit_text() -> str:
    return resources.files("bluegreen.gateway").joinpath("templates", UNIT).read_text()


def test_the_unit_renders_before_it_runs_and_always_comes_back():
    lines = unit_text().splitlines()
    assert lines.index(
        f"ExecStartPre={INSTALLED_PATH} --config ${{BLUEGREEN_GATEWAY_CONFIG}} render"
    ) < lines.index(f"ExecStart={INSTALLED_PATH} --config ${{BLUEGREEN_GATEWAY_CONFIG}} run")
    assert "Restart=always" in lines
    assert "Before=nginx.service" in lines


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path):
    # Given the unit, pointing at this environment's entry point instead of /usr/local/bin
    entry_point = Path(sys.executable).with_name("bluegreen-gateway")
    assert entry_point.is_file()
    unit = tmp_path / UNIT
    unit.write_text(unit_text().replace(INSTALLED_PATH, str(entry_point)))

    # When systemd checks it
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # Then it has nothing to say
    assert result.returncode == 0, result.stderr
    assert UNIT not in result.stderr, result.stderr
