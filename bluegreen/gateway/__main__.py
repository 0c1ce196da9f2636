"""`python -m bluegreen.gateway` is the same as the `bluegreen-gateway` console script."""

from __future__ import annotations

from bluegreen.gateway.cli import main

raise SystemExit(main())
