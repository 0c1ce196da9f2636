"""The poll loop: read the parameter, make nginx serve it, acknowledge, sleep (with jitter, or back off).

Every dependency is passed in (parameter source, nginx applier, acknowledgement sink, state store,
clock, random source), so the unit tests drive it with in-memory fakes.

Rules it keeps:
- a colour reaches nginx only when the value is exactly `blue` or `green`;
- the acknowledgement is written only after nginx really serves the colour, and names the
  parameter version that was applied (never the version of a value that was refused);
- every failure leaves the last good colour serving, is logged, is put in the acknowledgement's
  `error`, and lengthens the next sleep (exponential, jittered, capped), so a throttled or broken
  SSM is not hammered;
- except a failed acknowledgement write: it is logged and reported by the first write that gets
  through, but never delays the next poll, so a switch or a rollback during a DynamoDB outage is
  applied within one poll interval like any other.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bluegreen.colors import Color
from bluegreen.gateway.acks import AckRecord, AckSink
from bluegreen.gateway.config import GatewayConfig, Mode
from bluegreen.gateway.errors import (
    AckWriteError,
    ApplyError,
    ParameterSourceError,
    StateError,
)
from bluegreen.gateway.ssm_source import ParameterSource
from bluegreen.gateway.state import AppliedState
from bluegreen.gateway.upstreams import UpstreamSource

logger = logging.getLogger(__name__)


class Applier(Protocol):
    mode: Mode

    def converge(self, color: Color, version: int) -> bool:
        """Make nginx serve `color` (raises ApplyError); True when the colour served changed."""
        ...

    def render_files(self, color: Color) -> None:
        """Write the nginx files for `color` without touching the running nginx (bootstrap)."""
        ...


class StateStoreLike(Protocol):
    def load(self) -> AppliedState | None: ...

    def save(self, state: AppliedState) -> None: ...


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class AgentSettings:
    gateway_id: str
    parameter_name: str
    poll_seconds: float = 2.0
    jitter: float = 0.1
    backoff_max_seconds: float = 30.0

    @classmethod
    def from_config(cls, config: GatewayConfig) -> AgentSettings:
        return cls(
            gateway_id=config.gateway_id,
            parameter_name=config.parameter_name,
            poll_seconds=config.poll_seconds,
            jitter=config.jitter,
            backoff_max_seconds=config.backoff_max_seconds,
        )


def next_delay(settings: AgentSettings, failures: int, rng: random.Random) -> float:
    """Seconds until the next poll.

    Healthy: poll_seconds x U(1 - jitter, 1): gateways drift apart, and no sleep is ever longer than
    poll_seconds (which bounds propagation latency). After `failures` consecutive failed polls:
    exponential in poll_seconds, capped at backoff_max_seconds, with "equal jitter" (half fixed,
    half random), so the first retry is already at least one poll interval away.
    """
    if failures <= 0:
        return settings.poll_seconds * (1.0 - settings.jitter * rng.random())
    ceiling = min(settings.backoff_max_seconds, settings.poll_seconds * 2.0 ** min(failures, 30))
    return ceiling / 2.0 + rng.random() * ceiling / 2.0


@dataclass
class PollResult:
    errors: list[str]
    delay: float
    changed: bool = False
    state: AppliedState | None = None
    ack_error: str | None = None
    """The acknowledgement could not be written (reported later; not a failed poll)."""


@dataclass
class _AckOutage:
    since: str
    error: str
    failed_writes: int = 1


@dataclass
class Agent:
    settings: AgentSettings
    source: ParameterSource
    applier: Applier
    acks: AckSink
    store: StateStoreLike
    # The ALB addresses the applier renders; resolving them is reported, never a failed poll.
    # None: the applier renders the configured names and nginx resolves them itself.
    upstreams: UpstreamSource | None = None
    now: Callable[[], str] = utc_now_iso
    rng: random.Random = field(default_factory=random.Random)
    state: AppliedState | None = None
    failures: int = 0
    last_errors: list[str] = field(default_factory=list)
    _ack_outage: _AckOutage | None = None
    _startup_error: str | None = None

    def start(self) -> None:
        """Resolve the ALBs, load the persisted colour; the first poll re-asserts it even if SSM is
        unreachable."""
        if self.upstreams is not None:
            self.upstreams.refresh()
        try:
            self.state = self.store.load()
        except StateError as exc:
            logger.error("ignoring unreadable state: %s", exc)
            self._startup_error = str(exc)
            self.state = None
        if self.state is not None:
            logger.info(
                "persisted state: %s (parameter version %d, applied %s)",
                self.state.color,
                self.state.version,
                self.state.applied_at,
            )

    def bootstrap(self) -> AppliedState:
        """Make sure a colour is known and the nginx files exist, before nginx first starts.

        Uses the persisted state, or reads the parameter once. Raises when neither gives a colour:
        nginx must not start serving a colour nobody chose.
        """
        self.start()
        if self.state is None:
            reading = self.source.read()
            color = Color.parse(reading.value)
            if color is None:
                raise ParameterSourceError(
                    f"parameter {self.settings.parameter_name} v{reading.version} holds {reading.value!r}, "
                    "not exactly 'blue' or 'green'"
                )
            self.state = AppliedState(color, reading.version, self.now(), self.settings.parameter_name)
            self.store.save(self.state)
        self.applier.render_files(self.state.color)
        return self.state

    def _desired(self, errors: list[str]) -> tuple[Color, int] | None:
        try:
            reading = self.source.read()
        except ParameterSourceError as exc:
            errors.append(str(exc))
            return None
        color = Color.parse(reading.value)
        if color is None:
            errors.append(
                f"parameter {self.settings.parameter_name} version {reading.version} holds "
                f"{reading.value[:100]!r}, not exactly 'blue' or 'green': refused"
            )
            return None
        return color, reading.version

    def _apply(self, color: Color, version: int, errors: list[str]) -> bool:
        try:
            changed = self.applier.converge(color, version)
        except (ApplyError, OSError) as exc:
            errors.append(f"could not apply {color.value} v{version}: {exc}")
            return False
        state = self.state
        if state is None or state.color is not color or state.version != version:
            self.state = AppliedState(color, version, self.now(), self.settings.parameter_name)
            logger.info(
                "serving %s on the live host, %s on preprod (parameter version %d, mode %s)",
                color,
                color.other(),
                version,
                self.applier.mode,
            )
            try:
                self.store.save(self.state)
            except StateError as exc:
                errors.append(str(exc))
        return changed

    def _acknowledge(self, errors: list[str]) -> str | None:
        """Write the acknowledgement; returns why it could not be written (never raises)."""
        heartbeat = self.now()
        # DNS trouble is reported but does not count as a failed poll: backing off would only slow
        # the next colour switch, and the last good ALB addresses keep serving.
        reported = [*errors, *(self.upstreams.problems() if self.upstreams is not None else [])]
        if self._ack_outage is not None:
            outage = self._ack_outage
            reported.append(
                f"acknowledgement table unreachable from {outage.since} ({outage.failed_writes} failed "
                f"writes): {outage.error}"
            )
        state = self.state
        record = AckRecord(
            gateway_id=self.settings.gateway_id,
            parameter_name=self.settings.parameter_name,
            mode=self.applier.mode.value,
            heartbeat_at=heartbeat,
            color=state.color.value if state else None,
            parameter_version=state.version if state else None,
            applied_at=state.applied_at if state else None,
            error="; ".join(reported) or None,
        )
        try:
            self.acks.write(record)
        except AckWriteError as exc:
            if self._ack_outage is None:
                self._ack_outage = _AckOutage(since=heartbeat, error=str(exc))
            else:
                self._ack_outage.failed_writes += 1
            return str(exc)
        if self._ack_outage is not None:
            logger.info("acknowledgement table reachable again")
            self._ack_outage = None
        return None

    def poll_once(self) -> PollResult:
        errors: list[str] = []
        if self._startup_error is not None:
            errors.append(self._startup_error)
            self._startup_error = None
        desired = self._desired(errors)
        if desired is None and self.state is not None:
            # Keep (and re-assert, e.g. after an nginx restart) the last good colour.
            desired = (self.state.color, self.state.version)
        changed = False
        if desired is not None:
            changed = self._apply(*desired, errors)
        else:
            errors.append("no colour applied yet: waiting for a valid parameter value")
        if errors and self.state is not None:
            errors.append(f"still serving {self.state.color.value} (parameter version {self.state.version})")
        ack_error = self._acknowledge(errors)
        if ack_error is not None:
            logger.warning("acknowledgement not written (the next poll is not delayed): %s", ack_error)
        self.failures = self.failures + 1 if errors else 0
        self.last_errors = errors
        delay = next_delay(self.settings, self.failures, self.rng)
        if errors:
            logger.error(
                "poll failed (%d in a row, next poll in %.1fs): %s", self.failures, delay, "; ".join(errors)
            )
        return PollResult(errors=errors, delay=delay, changed=changed, state=self.state, ack_error=ack_error)

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set. Never raises for a failure it can report and survive."""
        self.start()
        if self.upstreams is not None:
            self.upstreams.start(stop)
        while not stop.is_set():
            try:
                result = self.poll_once()
                delay = result.delay
            except Exception as exc:  # a bug must not stop the heartbeat loop; known failures never get here
                self.failures += 1
                delay = next_delay(self.settings, self.failures, self.rng)
                logger.exception("unexpected agent error: %s", exc)
            stop.wait(delay)
