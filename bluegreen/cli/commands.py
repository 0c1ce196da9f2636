"""Every `bluegreen` command, added to the group in one place (command modules never import the
group: no import cycle, and the list of commands is here to read)."""

from __future__ import annotations

from bluegreen.cli import approvals, doctor, release, report, rollback
from bluegreen.cli.group import cli

cli.add_command(release.release)
cli.add_command(release.status)
cli.add_command(release.watch)
cli.add_command(release.history)
cli.add_command(approvals.approve)
cli.add_command(approvals.reject)
cli.add_command(rollback.rollback)
cli.add_command(report.report)
cli.add_command(doctor.doctor)

__all__ = ["cli"]
