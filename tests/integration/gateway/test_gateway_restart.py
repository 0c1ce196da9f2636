"""After a restart of nginx or of the agent, the gateway serves the colour it last applied, at once."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bluegreen.gateway.harness import wait_until

pytestmark = pytest.mark.nginx


@pytest.mark.parametrize("mode", ["runtime", "reload"])
def test_nginx_restarted_without_the_agent_serves_the_last_applied_colour(make_gateway, mode):
    # Given a gateway that switched to green, then its agent stopped
    gateway = make_gateway(mode)
    version = gateway.put("green")
    gateway.wait_serving(live="green")
    gateway.wait_ack(color="green", parameter_version=version)
    gateway.stop_agent()

    # When nginx restarts (its shared dict, in runtime mode, is empty again)
    gateway.restart_nginx()

    # Then the very first requests already reach green live and blue on preprod: no default colour
    assert gateway.live().color == "green"
    assert gateway.preprod().color == "blue"
    assert gateway.admin()["source"] == ("default" if mode == "runtime" else "config")

    # And when the agent starts, it sets the colour again in the dict
    gateway.start_agent()
    if mode == "runtime":
        wait_until(lambda: gateway.admin()["source"] == "dict", timeout=5, what="the agent to set the dict")
    assert gateway.admin()["color"] == "green"
    gateway.wait_ack(color="green", parameter_version=version, error=None)


def test_nginx_restarted_under_a_running_agent_never_serves_another_colour(make_gateway):
    gateway = make_gateway("runtime")
    gateway.put("green")
    gateway.wait_serving(live="green")

    gateway.restart_nginx()
    seen = {gateway.live().color for _ in range(20)}

    assert seen == {"green"}
    wait_until(lambda: gateway.admin()["source"] == "dict", timeout=5, what="the agent to set the dict again")


class AgentProcess:
    """The real console entry point, as systemd runs it."""

    def __init__(self, config_path: str) -> None:
        self.config_path = config_path
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bluegreen.gateway", "--config", self.config_path, *args]

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command("run"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def stop(self) -> int:
        process, self.process = self.process, None
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=15)
        finally:
            if process.stderr is not None:
                process.stderr.close()


@pytest.fixture
def agent_processes() -> Iterator[list[AgentProcess]]:
    started: list[AgentProcess] = []
    yield started
    for agent in started:
        agent.stop()


def test_agent_process_restarted_while_ssm_is_down_keeps_the_colour(make_gateway, agent_processes):
    # Given a gateway run as systemd would: `render` before nginx starts, then `run`
    gateway = make_gateway("runtime", start=False)
    agent = AgentProcess(str(gateway.config_path))
    agent_processes.append(agent)
    subprocess.run(agent.command("render"), check=True, capture_output=True, timeout=60)
    gateway.start_nginx()
    agent.start()
    gateway.wait_ack(color="blue", parameter_version=1, timeout=20)
    version = gateway.put("green")
    gateway.wait_serving(live="green")
    gateway.wait_ack(color="green", parameter_version=version)

    # When the agent stops (SIGTERM, cleanly) and SSM becomes unreachable before it starts again
    assert agent.stop() == 0
    gateway.ssm_proxy.mode = "down"
    agent.start()

    # Then it keeps green, acknowledges why it cannot follow the parameter, and still heartbeats
    gateway.wait_ack(color="green", parameter_version=version, error="SSM unreachable", timeout=20)
    assert gateway.live().color == "green"

    # And an nginx restart meanwhile comes back on green, which the agent sets in the dict again
    gateway.restart_nginx()
    assert gateway.live().color == "green"
    wait_until(lambda: gateway.admin()["source"] == "dict", timeout=10, what="the agent to set the dict")

    # When SSM is back, the error clears
    gateway.ssm_proxy.mode = "pass"
    gateway.wait_ack(color="green", parameter_version=version, error=None)


def test_render_refuses_to_invent_a_colour(make_gateway):
    # Given a new gateway (no persisted state) whose parameter holds garbage
    gateway = make_gateway("runtime", initial="purple", start=False)

    # When the nginx files are rendered before nginx's first start
    result = subprocess.run(
        AgentProcess(str(gateway.config_path)).command("render"), capture_output=True, text=True, timeout=60
    )

    # Then it fails, says why, and writes nothing nginx could start with
    assert result.returncode == 1
    assert "holds 'purple'" in result.stderr
    assert not gateway.layout.site_path.exists()
    assert not gateway.layout.state_file.exists()
