"""What the checks read from: the config, AWS clients, the cluster and Slack, all passed in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_sdk import WebClient

from bluegreen.adapters.kube import ApiClientFactory
from bluegreen.clock import Clock, utc_now
from bluegreen.config import AppConfig


class ClientSource(Protocol):
    """A boto3 client for `service`, in `region` (None: the default region)."""

    def __call__(self, service: str, region: str | None = None, /) -> Any: ...


SlackFactory = Callable[[str], WebClient]
"""A Slack WebClient for a bot token."""


@dataclass
class DoctorEnv:
    config: AppConfig
    aws: ClientSource
    region: str
    kube: ApiClientFactory
    slack: SlackFactory
    stack_name: str
    named: Mapping[str, str] = field(default_factory=dict)
    """Resources named directly (bluegreen.stack_outputs.CLI_OUTPUTS key -> value), as the CLI's
    BLUEGREEN_* environment variables do; they win over the stack's outputs."""
    clock: Clock = utc_now
    _clients: dict[tuple[str, str | None], Any] = field(default_factory=dict, init=False, repr=False)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.aws(service, region)
        return self._clients[key]
