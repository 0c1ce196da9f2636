"""`bluegreen release ...` commands (to be filled)."""

from __future__ import annotations
