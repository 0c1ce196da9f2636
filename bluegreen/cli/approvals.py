"""`bluegreen approvals ...` commands (to be filled)."""

from __future__ import annotations
