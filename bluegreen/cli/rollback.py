"""`bluegreen rollback ...` commands (to be filled)."""

from __future__ import annotations
