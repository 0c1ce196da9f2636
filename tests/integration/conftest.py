"""The least-privilege report reads what every other integration test recorded: it runs last, and
knows whether the whole integration suite was selected in this session."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
AFTER_INTEGRATION = "after_integration"
DESELECTED_HERE = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `after_integration` move to the end of the session (the order is otherwise kept)."""
    items.sort(key=lambda item: item.get_closest_marker(AFTER_INTEGRATION) is not None)


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            stash = item.config.stash
            stash[DESELECTED_HERE] = stash.get(DESELECTED_HERE, 0) + 1


def incomplete_integration_run(session: pytest.Session) -> str | None:
    """Why this session's integration runs are not the whole suite, or None when they are."""
    selected = {Path(str(item.path)) for item in session.items}
    missing = sorted(p.name for p in HERE.glob("test_*.py") if p not in selected)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        return f"not selected: {shown}"
    deselected = session.config.stash.get(DESELECTED_HERE, 0)
    if deselected:
        return f"{deselected} integration tests deselected"
    if session.testsfailed:
        return f"{session.testsfailed} tests failed before it: their calls are missing"
    return None
