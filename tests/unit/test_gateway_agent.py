"""The poll loop against in-memory fakes: no nginx, no AWS, no network."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import pytest

from bluegreen.colors import Color
from bluegreen.gateway.acks import AckRecord
from bluegreen.gateway.agent import Agent, AgentSettings, next_delay
from bluegreen.gateway.config import Mode
from bluegreen.gateway.errors import (
    AckWriteError,
    ApplyError,
    ParameterMissingError,
    ParameterSourceError,
    ParameterThrottledError,
    StateError,
)
from bluegreen.gateway.ssm_source import ParameterReading
from bluegreen.gateway.state import AppliedState
from bluegreen.gateway.upstreams import ResolvingUpstreams

PARAMETER = "/bluegreen/myapp/prod/active-color"
SETTINGS = AgentSettings(
    gateway_id="gw-a", parameter_name=PARAMETER, poll_seconds=2.0, jitter=0.1, backoff_max_seconds=30.0
)


@dataclass
class FakeSource:
    name: str = PARAMETER
    result: ParameterReading | ParameterSourceError = field(
        default_factory=lambda: ParameterReading("blue", 1)
    )
    reads: int = 0

    def read(self) -> ParameterReading:
        self.reads += 1
        if isinstance(self.result, ParameterSourceError):
            raise self.result
        return self.result


@dataclass
class FakeApplier:
    mode: Mode = Mode.RUNTIME
    served: Color | None = None
    fail: ApplyError | None = None
    calls: list[tuple[Color, int]] = field(default_factory=list)
    rendered: list[Color] = field(default_factory=list)

    def converge(self, color: Color, version: int) -> bool:
        self.calls.append((color, version))
        if self.fail is not None:
            raise self.fail
        changed = self.served is not color
        self.served = color
        return changed

    def render_files(self, color: Color) -> None:
        self.rendered.append(color)


@dataclass
class FakeAcks:
    records: list[AckRecord] = field(default_factory=list)
    fail: AckWriteError | None = None
    attempts: int = 0

    def write(self, record: AckRecord) -> None:
        self.attempts += 1
        if self.fail is not None:
            raise self.fail
        self.records.append(record)

    @property
    def last(self) -> AckRecord:
        return self.records[-1]


@dataclass
class MemoryStore:
    state: AppliedState | None = None
    saves: int = 0
    fail_load: StateError | None = None

    def load(self) -> AppliedState | None:
        if self.fail_load is not None:
            raise self.fail_load
        return self.state

    def save(self, state: AppliedState) -> None:
        self.saves += 1
        self.state = state


class Clock:
    def __init__(self) -> None:
        self.tick = 0

    def __call__(self) -> str:
        self.tick += 1
        return f"2026-01-01T00:00:{self.tick:02d}+00:00"


def make_agent(**kwargs: object) -> tuple[Agent, FakeSource, FakeApplier, FakeAcks, MemoryStore]:
    source = FakeSource()
    applier = FakeApplier()
    acks = FakeAcks()
    store = MemoryStore()
    agent = Agent(
        settings=SETTINGS,
        source=source,
        applier=applier,
        acks=acks,
        store=store,
        now=Clock(),
        rng=random.Random(7),
    )
    for name, value in kwargs.items():
        setattr(agent, name, value)
    return agent, source, applier, acks, store


def test_first_poll_applies_persists_and_acknowledges():
    agent, _, applier, acks, store = make_agent()
    agent.start()

    result = agent.poll_once()

    assert result.errors == []
    assert applier.calls == [(Color.BLUE, 1)]
    assert store.state is not None
    assert (store.state.color, store.state.version) == (Color.BLUE, 1)
    ack = acks.last
    assert (ack.color, ack.parameter_version, ack.mode, ack.error) == ("blue", 1, "runtime", None)
    assert ack.applied_at == store.state.applied_at
    assert ack.heartbeat_at > ack.applied_at


def test_a_switch_is_applied_before_it_is_acknowledged():
    agent, source, applier, acks, store = make_agent()
    agent.start()
    agent.poll_once()
    source.result = ParameterReading("green", 2)
    applier.fail = ApplyError("admin unreachable")

    agent.poll_once()

    # nginx refused: the ack still says blue v1 and carries the error
    assert (acks.last.color, acks.last.parameter_version) == ("blue", 1)
    assert acks.last.error is not None
    assert "could not apply green v2: admin unreachable" in acks.last.error
    assert "still serving blue (parameter version 1)" in acks.last.error
    assert store.state is not None
    assert store.state.color is Color.BLUE

    applier.fail = None
    agent.poll_once()
    last = acks.records[-1]
    assert (last.color, last.parameter_version, last.error) == ("green", 2, None)


@pytest.mark.parametrize("value", ["", "purple", "Blue", "GREEN", " blue", "blue ", "green\n", "blue|green"])
def test_garbage_never_reaches_nginx(value):
    agent, source, applier, acks, store = make_agent()
    agent.start()
    agent.poll_once()
    source.result = ParameterReading(value, 2)

    result = agent.poll_once()

    assert applier.calls[-1] == (Color.BLUE, 1)  # the last good colour is re-asserted, nothing else
    assert acks.last.parameter_version == 1
    assert acks.last.color == "blue"
    assert acks.last.error is not None
    assert f"version 2 holds {value!r}" in acks.last.error
    assert store.state is not None
    assert store.state.version == 1
    assert result.delay >= SETTINGS.poll_seconds  # backing off


@pytest.mark.parametrize(
    "failure",
    [
        ParameterMissingError("parameter /x not found"),
        ParameterThrottledError("GetParameter /x throttled (ThrottlingException)"),
        ParameterSourceError("SSM unreachable"),
    ],
)
def test_a_parameter_that_cannot_be_read_keeps_the_last_colour(failure):
    agent, source, applier, acks, _ = make_agent()
    agent.start()
    agent.poll_once()
    source.result = failure

    agent.poll_once()

    assert applier.served is Color.BLUE
    assert acks.last.color == "blue"
    assert acks.last.error is not None
    assert str(failure) in acks.last.error


def test_without_any_known_colour_nothing_is_applied_and_the_ack_has_no_colour():
    agent, source, applier, acks, _ = make_agent()
    source.result = ParameterReading("purple", 1)
    agent.start()

    agent.poll_once()

    assert applier.calls == []
    assert acks.last.color is None
    assert acks.last.parameter_version is None
    assert acks.last.error is not None
    assert "no colour applied yet" in acks.last.error


def test_persisted_state_is_reasserted_when_ssm_is_down_at_start():
    store = MemoryStore(AppliedState(Color.GREEN, 7, "2026-01-01T00:00:00+00:00", PARAMETER))
    agent, source, applier, acks, _ = make_agent(store=store)
    source.result = ParameterSourceError("SSM unreachable")
    agent.start()

    agent.poll_once()

    assert applier.calls == [(Color.GREEN, 7)]
    assert (acks.last.color, acks.last.parameter_version) == ("green", 7)
    assert acks.last.applied_at == "2026-01-01T00:00:00+00:00"


def test_a_version_only_bump_is_acknowledged_with_a_new_applied_at():
    agent, source, _, acks, store = make_agent()
    agent.start()
    agent.poll_once()
    first_applied = acks.last.applied_at
    source.result = ParameterReading("blue", 2)

    result = agent.poll_once()

    assert result.changed is False
    assert acks.last.parameter_version == 2
    assert acks.last.applied_at != first_applied
    assert store.saves == 2


def test_nothing_is_saved_when_nothing_changes():
    agent, _, _, acks, store = make_agent()
    agent.start()
    for _ in range(3):
        agent.poll_once()
    assert store.saves == 1
    assert len({ack.heartbeat_at for ack in acks.records}) == 3  # but the heartbeat moves every poll


def test_an_ack_outage_is_reported_by_the_first_write_after_it():
    agent, source, applier, acks, _ = make_agent()
    agent.start()
    agent.poll_once()
    acks.fail = AckWriteError("acknowledgement table acks unreachable: timeout")
    source.result = ParameterReading("green", 2)

    agent.poll_once()
    agent.poll_once()

    assert applier.served is Color.GREEN  # the switch does not wait for the table
    acks.fail = None
    agent.poll_once()
    assert acks.last.color == "green"
    assert acks.last.error is not None
    assert "acknowledgement table unreachable from" in acks.last.error
    assert "(2 failed writes)" in acks.last.error
    agent.poll_once()
    assert acks.last.error is None


def test_an_unreadable_state_file_is_reported_and_not_trusted():
    store = MemoryStore(fail_load=StateError("state file x is not JSON"))
    agent, _, applier, acks, _ = make_agent(store=store)
    agent.start()

    agent.poll_once()

    assert applier.calls == [(Color.BLUE, 1)]
    assert acks.last.error is not None
    assert "state file x is not JSON" in acks.last.error


def test_bootstrap_renders_the_parameter_colour_and_persists_it():
    agent, source, applier, _, store = make_agent()
    source.result = ParameterReading("green", 4)

    state = agent.bootstrap()

    assert (state.color, state.version) == (Color.GREEN, 4)
    assert applier.rendered == [Color.GREEN]
    assert store.state == state


def test_bootstrap_prefers_the_persisted_colour_and_does_not_read_ssm():
    store = MemoryStore(AppliedState(Color.GREEN, 7, "t", PARAMETER))
    agent, source, applier, _, _ = make_agent(store=store)

    agent.bootstrap()

    assert source.reads == 0
    assert applier.rendered == [Color.GREEN]


def test_bootstrap_refuses_garbage():
    agent, source, applier, _, store = make_agent()
    source.result = ParameterReading("purple", 1)

    with pytest.raises(ParameterSourceError, match="holds 'purple'"):
        agent.bootstrap()
    assert applier.rendered == []
    assert store.state is None


def test_healthy_delays_never_exceed_the_poll_interval():
    rng = random.Random(1)
    delays = [next_delay(SETTINGS, 0, rng) for _ in range(1000)]
    assert min(delays) >= 2.0 * 0.9
    assert max(delays) <= 2.0


def test_failures_back_off_exponentially_with_jitter_up_to_the_cap():
    rng = random.Random(1)
    for failures, floor, ceiling in [
        (1, 2.0, 4.0),
        (2, 4.0, 8.0),
        (3, 8.0, 16.0),
        (4, 15.0, 30.0),
        (40, 15.0, 30.0),
    ]:
        delays = [next_delay(SETTINGS, failures, rng) for _ in range(200)]
        assert min(delays) >= floor
        assert max(delays) <= ceiling
        assert max(delays) - min(delays) > (ceiling - floor) / 2  # jittered, not fixed


def test_consecutive_failures_are_counted_and_reset_by_success():
    agent, source, _, _, _ = make_agent()
    agent.start()
    source.result = ParameterThrottledError("throttled")
    agent.poll_once()
    agent.poll_once()
    assert agent.failures == 2
    source.result = ParameterReading("blue", 1)
    result = agent.poll_once()
    assert agent.failures == 0
    assert result.delay <= SETTINGS.poll_seconds


def test_run_survives_an_unexpected_error_and_stops_on_request():
    # Given an applier with a bug
    @dataclass
    class BuggyApplier(FakeApplier):
        def converge(self, color: Color, version: int) -> bool:
            raise RuntimeError("bug")

    fast = AgentSettings(
        gateway_id="gw-a", parameter_name=PARAMETER, poll_seconds=0.01, backoff_max_seconds=0.02
    )
    agent = Agent(
        settings=fast, source=FakeSource(), applier=BuggyApplier(), acks=FakeAcks(), store=MemoryStore()
    )
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,))

    # When it runs for a few polls
    thread.start()
    deadline = time.monotonic() + 5
    while agent.failures < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=5)

    # Then it kept polling (and backing off) instead of dying, and stopped when asked
    assert agent.failures >= 3
    assert not thread.is_alive()


def test_dns_trouble_is_acknowledged_but_never_slows_the_polls():
    # Given ALB names that do not resolve (the last addresses keep serving)
    def broken_dns(host: str, port: int) -> list[str]:
        raise OSError("Temporary failure in name resolution")

    upstreams = ResolvingUpstreams("blue-alb:80", "green-alb:80", 60, broken_dns)
    agent, _, applier, acks, _ = make_agent(upstreams=upstreams)
    agent.start()

    # When the agent polls
    result = agent.poll_once()

    # Then the colour is applied, the ack names the DNS problem, and the next poll is not backed off
    assert applier.calls == [(Color.BLUE, 1)]
    assert result.errors == []
    assert agent.failures == 0
    assert result.delay <= SETTINGS.poll_seconds
    assert acks.last.error is not None
    assert "cannot resolve the blue upstream blue-alb" in acks.last.error
    assert acks.last.color == "blue"


def test_an_ack_outage_never_slows_the_next_switch():
    # Given a gateway serving blue whose acknowledgement table then fails on every write
    agent, source, applier, acks, _ = make_agent()
    agent.start()
    agent.poll_once()
    acks.fail = AckWriteError("acknowledgement table acks unreachable: ProvisionedThroughputExceeded")

    # When it keeps polling through the outage
    delays = [agent.poll_once().delay for _ in range(5)]

    # Then every next poll is still one poll interval away (no backoff), and a switch made during the
    # outage is served at the very next poll
    assert max(delays) <= SETTINGS.poll_seconds
    assert agent.failures == 0
    source.result = ParameterReading("green", 2)
    agent.poll_once()
    assert applier.served is Color.GREEN
    # and the first heartbeat after the table returns says what happened
    acks.fail = None
    result = agent.poll_once()
    assert result.delay <= SETTINGS.poll_seconds
    assert acks.last.color == "green"
    assert acks.last.error is not None
    assert "(6 failed writes)" in acks.last.error
