"""The `bluegreen` console entry point: exit codes a pipeline can trust, errors without tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.cli.main import EXIT_USAGE, main


def run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    code = exited.value.code
    assert isinstance(code, int)
    return code


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["release", "start", "--bogus"], "No such option '--bogus'"),
        (["status"], "Missing argument 'RELEASE'"),
        (["no-such-command"], "No such command"),
    ],
)
def test_a_usage_error_exits_64_never_the_rejected_code(argv, says, capsys):
    # When a pipeline calls the CLI with a typo
    code = run(argv)

    # Then it exits 64 (EX_USAGE), never 2 (which `release start --wait` uses for "rejected")
    assert code == EXIT_USAGE
    assert says in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert run(["--help"]) == 0
    assert "Blue-green releases" in capsys.readouterr().out


def test_no_aws_region_is_one_clear_line_not_a_traceback(monkeypatch, tmp_path: Path, capsys):
    # Given a machine with no AWS region configured anywhere
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "BLUEGREEN_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    # When a command needs AWS
    code = run(["status", "rel-1"])

    # Then it fails with the reason on one line
    err = capsys.readouterr().err
    assert code == 1
    assert "Error: AWS: You must specify a region." in err
    assert "Traceback" not in err
