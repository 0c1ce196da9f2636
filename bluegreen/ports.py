"""The outside world as the release domain sees it: one Protocol per port.

Adapters (bluegreen/adapters/) implement them over boto3 and the kubernetes client; in-memory fakes
(bluegreen/local/memory.py) implement them for the unit tier, so the domain's decisions are tested
without moto or a cluster. The integration tier runs the real adapters against moto and the fake
Kubernetes API server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.adapters.gateway_acks import GatewayAck
from bluegreen.colors import Color
from bluegreen.records import LatestRelease, PendingApproval, RecordedEnding, ReleaseRecord


class ColourParameter(Protocol):
    """The active-colour SSM parameter, read fresh every time."""

    parameter_name: str

    def read(self) -> ActiveColor: ...

    def write(self, color: Color) -> int: ...


class AlarmStates(Protocol):
    def states(self, names: list[str]) -> dict[str, str]: ...


class GatewayAcks(Protocol):
    def all(self) -> list[GatewayAck]: ...


class ReleaseRepository(Protocol):
    """The releases table: records, the lock, the latest-release pointer, pending approvals."""

    def acquire_lock(
        self,
        app: str,
        environment: str,
        execution_arn: str,
        release_id: str,
        is_running: Any,
        _attempt: int = 0,
    ) -> str | None: ...

    def lock_holder(self, app: str, environment: str) -> str | None: ...

    def release_lock(self, app: str, environment: str, execution_arn: str) -> bool: ...

    def create_record(self, release_id: str, fields: dict[str, Any]) -> None: ...

    def update_record(
        self, release_id: str, fields: dict[str, Any], step: str | None = None
    ) -> dict[str, Any] | None:
        """The record as written (None when there was nothing to write)."""
        ...

    def get_record(self, release_id: str) -> dict[str, Any] | None: ...

    def get(self, release_id: str) -> ReleaseRecord | None: ...

    def record_ending(
        self, release_id: str, ending: RecordedEnding, step: str | None = None
    ) -> dict[str, Any] | None: ...

    def set_latest(self, app: str, environment: str, latest: LatestRelease) -> None: ...

    def get_latest(self, app: str, environment: str) -> LatestRelease | None: ...

    def supersede_latest(self, app: str, environment: str, release_id: str) -> None: ...

    def mark_latest(
        self,
        app: str,
        environment: str,
        release_id: str,
        *,
        rolled_back_at: datetime | None = None,
        scaled_down_at: datetime | None = None,
    ) -> bool: ...

    def put_once(self, pk: str, fields: dict[str, Any], expires_at: datetime) -> bool:
        """Create a single-use item (trigger evidence, a seen request); False if it exists."""
        ...

    def get_item(self, pk: str) -> dict[str, Any] | None: ...

    def put_approval(self, approval: PendingApproval) -> None: ...

    def get_approval(self, approval_id: str) -> PendingApproval | None: ...

    def add_approval_vote(self, approval_id: str, vote: dict[str, Any]) -> list[dict[str, Any]]: ...

    def close_approval(self, approval_id: str) -> PendingApproval | None: ...

    def recent_records(self, app: str, environment: str, limit: int) -> list[dict[str, Any]]: ...


class Executions(Protocol):
    """Step Functions, as the release domain needs it."""

    def status(self, execution_arn: str) -> str | None:
        """RUNNING, SUCCEEDED, FAILED, ... or None when there is no such execution."""
        ...

    def describe(self, execution_arn: str) -> dict[str, Any]: ...

    def send_task_success(self, task_token: str, output: str) -> None: ...

    def send_task_failure(self, task_token: str, error: str, cause: str) -> None: ...


class Workloads(Protocol):
    """The Deployments of the cluster (bluegreen/adapters/kube.py: Deployments)."""

    def read(self, namespace: str, name: str) -> dict[str, Any] | None: ...

    def create(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def patch(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def apply(self, namespace: str, manifest: dict[str, Any]) -> dict[str, Any]: ...


class ManifestStore(Protocol):
    """Where a release's manifests are read from (S3)."""

    def read(self, uri: str) -> str: ...
