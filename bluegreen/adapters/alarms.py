"""CloudWatch alarm states for the release's watched alarms (metric and composite)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

MISSING = "MISSING"
ALARM = "ALARM"


class AlarmReader:
    def __init__(self, cloudwatch_client: CloudWatchClient) -> None:
        self._cw = cloudwatch_client

    def states(self, names: list[str]) -> dict[str, str]:
        """name -> OK | ALARM | INSUFFICIENT_DATA, or MISSING for an alarm that doesn't exist."""
        states = dict.fromkeys(names, MISSING)
        for start in range(0, len(names), 100):
            kwargs: dict[str, Any] = {
                "AlarmNames": names[start : start + 100],
                "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
            }
            while True:
                page = self._cw.describe_alarms(**kwargs)
                for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
                    states[alarm["AlarmName"]] = alarm["StateValue"]
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
        return states


def unhealthy(states: dict[str, str]) -> dict[str, str]:
    """Alarms that forbid a switch or end a bake: firing, or gone (we would be watching nothing)."""
    return {name: state for name, state in states.items() if state in (ALARM, MISSING)}
