"""The AWS side of a local run: its virtual clock, the stand-in gateways, and what was created.

Everything here is created inside moto by LocalWorkflow (bluegreen/local/workflow.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bluegreen.adapters.notify import RecordingNotifier
from bluegreen.clock import iso
from bluegreen.config import AppConfig


class VirtualClock:
    """Real time plus every second the workflow 'waited'."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)


class FakeGateways:
    """Gateways as the workflow sees them: each tick, every gateway reads the parameter and writes
    its acknowledgement, as the real agent does. Modes: follow (healthy), stuck (heartbeats but
    keeps the old colour), silent (no heartbeat at all)."""

    def __init__(
        self, ids: list[str], parameter_name: str, acks_table: Any, ssm: Any, clock: VirtualClock
    ) -> None:
        self.ids = ids
        self.mode = dict.fromkeys(ids, "follow")
        self._parameter = parameter_name
        self._table = acks_table
        self._ssm = ssm
        self._clock = clock

    def tick(self) -> None:
        parameter = self._ssm.get_parameter(Name=self._parameter)["Parameter"]
        now = iso(self._clock())
        for gateway_id in self.ids:
            mode = self.mode[gateway_id]
            if mode == "silent":
                continue
            item = self._table.get_item(Key={"gateway_id": gateway_id}).get("Item")
            if mode == "follow" or item is None:
                item = {
                    "gateway_id": gateway_id,
                    "parameter_name": self._parameter,
                    "color": parameter["Value"],
                    "parameter_version": int(parameter["Version"]),
                    "mode": "runtime",
                    "applied_at": now,
                }
            item["heartbeat_at"] = now
            self._table.put_item(Item=item)


@dataclass
class Invocation:
    function: str
    error: str | None
    at: datetime
    seconds: float = 0.0


@dataclass
class LocalAws:
    """The AWS side of a local run, created inside moto."""

    config: AppConfig
    clock: VirtualClock
    releases_table: Any
    acks_table: Any
    ssm: Any
    sfn: Any
    cloudwatch: Any
    state_machine_arn: str
    gateways: FakeGateways
    notifier: RecordingNotifier = field(default_factory=RecordingNotifier)
    invocations: list[Invocation] = field(default_factory=list)
