"""Gateways as the workflow sees them in local runs: acknowledgements written as the agent does."""

from __future__ import annotations

from typing import Any

from bluegreen.clock import iso
from bluegreen.local.virtual_time import VirtualClock


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
            version = int(parameter["Version"])
            unchanged = item is not None and int(item.get("parameter_version", 0)) == version
            if (mode == "follow" and not unchanged) or item is None:
                # As the agent: `applied_at` moves only when it applies a new version.
                item = {
                    "gateway_id": gateway_id,
                    "parameter_name": self._parameter,
                    "color": parameter["Value"],
                    "parameter_version": version,
                    "mode": "runtime",
                    "applied_at": now,
                }
            item["heartbeat_at"] = now
            self._table.put_item(Item=item)
