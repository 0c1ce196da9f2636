"""Importing this module registers every command on `bluegreen.cli.main.cli`."""

from __future__ import annotations

from bluegreen.cli import approvals, doctor, release, rollback

__all__ = ["approvals", "doctor", "release", "rollback"]
