"""The ALB addresses nginx sends each colour to, re-resolved while the gateway runs.

nginx resolves a host name in an `upstream` block once, when it loads its configuration, and keeps
those IP addresses until the next reload. ALB addresses change over time (scaling, maintenance), so
a gateway that never reloads would one day send payment traffic to addresses the ALB has left.
The agent therefore resolves each colour's ALB itself, every `upstreams.resolve_seconds`, on a
background thread (a slow DNS server never delays a colour switch), and renders the IP addresses
into the upstream blocks. When the set changes, the poll loop re-renders, runs `nginx -t` and
reloads once. A failed lookup keeps the last addresses and is reported, never applied.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bluegreen.colors import Color

logger = logging.getLogger(__name__)

# host, port -> the IPv4 addresses it resolves to (raises OSError when it does not resolve).
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """IPv4 addresses of `host` from the system resolver (an IP literal resolves to itself)."""
    answers = socket.getaddrinfo(host, port, family=socket.AF_INET, type=socket.SOCK_STREAM)
    return [str(sockaddr[0]) for *_, sockaddr in answers]


def split_address(address: str) -> tuple[str, int]:
    """`host:port` (validated by the config) -> (host, port); port 80 when absent."""
    host, _, port = address.partition(":")
    return host, int(port) if port else 80


@dataclass(frozen=True)
class UpstreamServers:
    """The `server` entries of each colour's upstream block: `ip:port`, or the configured `host:port`
    while the name has never resolved (nginx then resolves it when it loads, as it would anyway)."""

    blue: tuple[str, ...]
    green: tuple[str, ...]

    def of(self, color: Color) -> tuple[str, ...]:
        return self.blue if color is Color.BLUE else self.green

    @classmethod
    def unresolved(cls, blue: str, green: str) -> UpstreamServers:
        return cls(blue=(blue,), green=(green,))


class UpstreamSource:
    """What the appliers and the agent need: the servers to render, and what went wrong resolving."""

    def servers(self) -> UpstreamServers:
        raise NotImplementedError

    def problems(self) -> list[str]:
        return []

    def refresh(self) -> None:
        """Resolve now (before nginx's first start, or for a one-off poll)."""

    def start(self, stop: threading.Event) -> None:
        """Begin refreshing in the background until `stop` is set."""


class StaticUpstreams(UpstreamSource):
    """The configured host:port entries as they are (`resolve_seconds: 0`): nginx resolves them at load."""

    def __init__(self, blue: str, green: str) -> None:
        self._servers = UpstreamServers.unresolved(blue, green)

    def servers(self) -> UpstreamServers:
        return self._servers


class ResolvingUpstreams(UpstreamSource):
    """Resolves both ALBs every `interval` seconds on a daemon thread; thread-safe reads."""

    def __init__(self, blue: str, green: str, interval: float, resolver: Resolver = system_resolver) -> None:
        self._configured = {Color.BLUE: blue, Color.GREEN: green}
        self._interval = interval
        self._resolver = resolver
        self._lock = threading.Lock()
        self._servers = UpstreamServers.unresolved(blue, green)
        self._problems: list[str] = []
        self._thread: threading.Thread | None = None

    def servers(self) -> UpstreamServers:
        with self._lock:
            return self._servers

    def problems(self) -> list[str]:
        with self._lock:
            return list(self._problems)

    def _resolve(self, color: Color, current: tuple[str, ...], problems: list[str]) -> tuple[str, ...]:
        address = self._configured[color]
        host, port = split_address(address)
        try:
            ips = sorted(set(self._resolver(host, port)))
        except (OSError, UnicodeError) as exc:
            ips = []
            reason = str(exc) or type(exc).__name__
        else:
            reason = "no IPv4 address"
        if not ips:
            still = ", ".join(current)
            problems.append(
                f"cannot resolve the {color.value} upstream {host} ({reason}); still using {still}"
            )
            return current
        return tuple(f"{ip}:{port}" for ip in ips)

    def refresh(self) -> None:
        before = self.servers()
        problems: list[str] = []
        after = UpstreamServers(
            blue=self._resolve(Color.BLUE, before.blue, problems),
            green=self._resolve(Color.GREEN, before.green, problems),
        )
        with self._lock:
            self._servers = after
            self._problems = problems
        if after != before:
            logger.info(
                "upstream addresses: blue %s, green %s", ", ".join(after.blue), ", ".join(after.green)
            )
        for problem in problems:
            logger.warning("%s", problem)

    def start(self, stop: threading.Event) -> None:
        if self._thread is not None:
            return

        def loop() -> None:
            while not stop.wait(self._interval):
                try:
                    self.refresh()
                except Exception:  # a bug must not end the refreshes; known failures never get here
                    logger.exception("unexpected error resolving the upstreams")

        self._thread = threading.Thread(target=loop, name="bluegreen-upstreams", daemon=True)
        self._thread.start()
