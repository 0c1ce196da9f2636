"""The persisted colour: round trip, atomic replacement, and a broken file is an error, not a colour."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.colors import Color
from bluegreen.gateway.errors import StateError
from bluegreen.gateway.files import write_if_changed
from bluegreen.gateway.nginx_control import StagedFile
from bluegreen.gateway.state import AppliedState, StateStore

STATE = AppliedState(Color.GREEN, 12, "2026-01-01T00:00:00+00:00", "/bluegreen/myapp/prod/active-color")


def test_round_trip(tmp_path: Path):
    store = StateStore(tmp_path / "deep" / "state.json")
    assert store.load() is None
    store.save(STATE)
    assert store.load() == STATE
    assert [p.name for p in store.path.parent.iterdir()] == ["state.json"]  # no temporary files left


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "[]",
        '{"color": "Green", "version": 1, "applied_at": "t", "parameter_name": "/p"}',
        '{"color": "green", "version": 0, "applied_at": "t", "parameter_name": "/p"}',
        '{"color": "green", "version": true, "applied_at": "t", "parameter_name": "/p"}',
        '{"color": "green", "version": 3}',
    ],
)
def test_a_broken_state_file_is_an_error(tmp_path: Path, text: str):
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(StateError, match=str(path)):
        StateStore(path).load()


def test_write_if_changed_only_writes_changes(tmp_path: Path):
    path = tmp_path / "f.conf"
    assert write_if_changed(path, "a") is True
    mtime = path.stat().st_mtime_ns
    assert write_if_changed(path, "a") is False
    assert path.stat().st_mtime_ns == mtime


def test_staged_file_restores_what_was_there(tmp_path: Path):
    path = tmp_path / "site.conf"
    path.write_text("good")
    staged = StagedFile(path)
    assert staged.replace("bad") is True
    staged.restore()
    assert path.read_text() == "good"

    fresh = StagedFile(tmp_path / "new.conf")
    fresh.replace("bad")
    fresh.restore()
    assert not fresh.path.exists()
