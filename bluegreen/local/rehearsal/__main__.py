"""`python -m bluegreen.local.rehearsal`: see bluegreen.local.rehearsal.cli."""

from __future__ import annotations

import sys

from bluegreen.local.rehearsal.cli import main

sys.exit(main())
