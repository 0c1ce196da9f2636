"""Take the release lock outside an execution, then look again.

The rollback after the workflow, `bluegreen rollback --to` and the scale-down act on traffic or on a
colour while no execution runs. Each takes the lock as a pseudo holder (unique per call, expiring so
a crashed function never blocks releases), re-reads the latest-release pointer under it — what was
read before may be stale by now — and releases the lock however it leaves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bluegreen.adapters.release_store import pseudo_holder
from bluegreen.records import LatestRelease
from bluegreen.runtime import Runtime


@contextmanager
def under_release_lock(rt: Runtime, purpose: str, release_id: str) -> Iterator[LatestRelease | None]:
    """Hold the lock as `bluegreen:<purpose>:<release id>:…`; yields the pointer as it is now.

    Raises ReleaseLockedError (naming the holder) when a release or another such call holds it.
    """
    config = rt.config
    holder = pseudo_holder(purpose, release_id, rt.clock())
    rt.releases.acquire_lock(config.app, config.environment, holder, release_id, rt.execution_is_running)
    try:
        yield rt.releases.get_latest(config.app, config.environment)
    finally:
        rt.releases.release_lock(config.app, config.environment, holder)


def held_by(holder: str, purpose: str, release_id: str) -> bool:
    """Whether the lock `holder` is a call of `purpose` for `release_id` (e.g. a concurrent rollback)."""
    return holder.startswith(f"bluegreen:{purpose}:{release_id}:")
