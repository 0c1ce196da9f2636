"""`make demo`: a full local rehearsal of a release, with every moving part real except AWS and EKS.

- moto as an HTTP server executes the real statemachines/release.asl.json; its Lambda tasks run
  the real handlers (bluegreen.local.server_workflow); the `bluegreen` CLI reaches the same server.
- The fake Kubernetes API server plays the cluster; each colour's pods are a local process
  (bluegreen.local.app_server) that is restarted with the deployed versions whenever that colour's
  deployments change, so what answers is what was deployed.
- Two real nginx gateways, each with the real gateway agent (runtime mode) following the SSM
  parameter, route myapp.com to the active colour and preprod.myapp.com to the idle one.
- Release v2: deploy to idle, smoke tests through preprod (nginx), approval (automatic, or
  `--manual` waits for `bluegreen approve` in another terminal), switch, myapp.com answered by v2;
  the release bakes and succeeds; then an alarm fires and the AlarmRollback function (as the
  EventBridge rule would invoke it) puts traffic back on v1. `--alarm bake` fires it during the bake
  instead (the workflow rolls back itself); `--alarm none` (or `--no-alarm`) leaves v2 live.

Waits inside the workflow are virtual (a ten-minute bake takes a second); the gateways live in real
time, so the workflow's ConfirmGateways step waits for their real acknowledgements. Every process
is stopped on exit, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import yaml

from bluegreen.adapters.gateway_acks import GatewayAck, GatewayAckReader
from bluegreen.colors import Color
from bluegreen.config import AppConfig, load_config
from bluegreen.gateway.config import load_gateway_config
from bluegreen.gateway.factory import build_agent
from bluegreen.gateway.harness import (
    GatewayLayout,
    NginxProcess,
    find_nginx,
    free_port,
    get,
    lua_modules_present,
    port_open,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
APPROVER = "arn:aws:sts::123456789012:assumed-role/release-approver/approver@myapp.com"
ALARM = "myapp-prod-payment-failures"
MOTO_ENV = {  # moto accepts any credentials
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
EXIT_SETUP = 2  # nginx or its Lua module missing, or a part that did not start


# -- processes ---------------------------------------------------------------------------------


class Processes:
    """Every child process, each in its own process group, stopped on exit whatever happens."""

    def __init__(self) -> None:
        self._children: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        atexit.register(self.stop_all)

    def start(self, argv: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            child = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        with self._lock:
            self._children.append(child)
        return child

    def stop(self, child: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait(timeout=timeout)
        with self._lock, contextlib.suppress(ValueError):
            self._children.remove(child)

    def stop_all(self) -> None:
        with self._lock:
            children = list(self._children)
        for child in reversed(children):
            self.stop(child)


class ColorPods:
    """Each colour's pods as one local process serving the versions deployed in its namespace."""

    def __init__(self, config: AppConfig, processes: Processes, workdir: Path, env: dict[str, str]) -> None:
        self.config = config
        self.processes = processes
        self.workdir = workdir
        self.env = env
        self.ports = {color: free_port() for color in Color}
        self.versions: dict[Color, dict[str, str]] = {}
        self.restarts: list[tuple[float, Color, dict[str, str]]] = []
        self._children: dict[Color, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self.kube: Any = None

    def deployed(self, color: Color) -> dict[str, str]:
        namespace = self.config.namespaces.of(color)
        versions: dict[str, str] = {}
        for service in self.config.services:
            obj = self.kube.get_object("Deployment", namespace, service.deployment_name) or {}
            containers = obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
            image = next((c["image"] for c in containers if c["name"] == service.container_name), None)
            if image and obj.get("spec", {}).get("replicas", 1) > 0:
                versions[service.name] = image.rsplit(":", 1)[-1]
        return versions

    def sync(self, color: Color) -> None:
        """Restart the colour's process when what is deployed there changed (new pods)."""
        with self._lock:
            versions = self.deployed(color)
            if versions == self.versions.get(color) and color in self._children:
                return
            old = self._children.pop(color, None)
            if old is not None:
                self.processes.stop(old)
            port = self.ports[color]
            argv = [
                sys.executable,
                "-m",
                "bluegreen.local.app_server",
                "--port",
                str(port),
                "--color",
                color.value,
                "--versions",
                json.dumps(versions),
                "--tag",
                str(self.workdir),
            ]
            self._children[color] = self.processes.start(
                argv, self.workdir / f"pods-{color.value}.log", self.env
            )
            wait_until(lambda: port_open(port), timeout=10, what=f"{color.value} pods on {port}")
            self.versions[color] = versions
            self.restarts.append((time.monotonic(), color, versions))

    def on_change(self, kind: str, namespace: str, deployment: dict[str, Any]) -> None:
        for color in Color:
            if self.config.namespaces.of(color) == namespace:
                self.sync(color)


@dataclass
class Gateway:
    gateway_id: str
    layout: GatewayLayout
    nginx: NginxProcess
    agent: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self.layout.listen_port


def start_gateway(
    gateway_id: str,
    binary: str,
    workdir: Path,
    endpoint_url: str,
    config: AppConfig,
    ack_table: str,
    pods: ColorPods,
    processes: Processes,
    env: dict[str, str],
    stack: ExitStack,
) -> Gateway:
    layout = GatewayLayout.create(workdir / gateway_id)
    layout.write_main_conf(lua=True)
    data = layout.agent_config(
        binary=binary,
        mode="runtime",
        parameter_name=config.parameter_name,
        ack_table=ack_table,
        blue_port=pods.ports[Color.BLUE],
        green_port=pods.ports[Color.GREEN],
        ssm_endpoint_url=endpoint_url,
        dynamodb_endpoint_url=endpoint_url,
        poll_seconds=0.5,
        backoff_max_seconds=1.0,
        gateway_id=gateway_id,
    )
    data["domains"] = {"live": config.domains.live, "preprod": config.domains.preprod}
    config_path = layout.root / "gateway.yaml"
    config_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    # `bluegreen-gateway render` (as systemd's ExecStartPre does), in-process: one Python start-up less.
    build_agent(load_gateway_config(config_path)).bootstrap()
    agent_argv = [sys.executable, "-m", "bluegreen.gateway", "--config", str(config_path)]
    gateway = Gateway(gateway_id, layout, layout.nginx(binary))
    gateway.nginx.start(ready_port=layout.listen_port)
    stack.callback(gateway.nginx.stop)
    gateway.agent = processes.start([*agent_argv, "run"], layout.root / "agent.log", env)
    return gateway


class CompressedTimeAcks(GatewayAckReader):
    """The gateways heartbeat in real time, the workflow runs on a virtual clock that jumps over
    waits: read their heartbeats on the workflow's clock, as if they had kept beating meanwhile."""

    def __init__(self, inner: GatewayAckReader, clock: Any) -> None:
        self._inner = inner
        self._clock = clock

    def all(self) -> list[GatewayAck]:
        offset = self._clock() - datetime.now(UTC)
        return [
            replace(ack, heartbeat_at=ack.heartbeat_at + offset) if ack.heartbeat_at else ack
            for ack in self._inner.all()
        ]


class HostRouting(httpx.HTTPTransport):
    """Sends requests for the app's domains to a local gateway, keeping the Host header, as DNS would."""

    def __init__(self, routes: dict[str, int]) -> None:
        super().__init__()
        self.routes = routes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        port = self.routes.get(request.url.host)
        if port is not None:
            request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
        return super().handle_request(request)


class LocalDecideUrl:
    """DecideApproval's Function URL on loopback, for `bluegreen approve|reject` from another terminal.
    AWS would verify the SigV4 signature and pass the caller's ARN; here every call is the approver."""

    def __init__(self, workflow: Any, approver: str = APPROVER) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                status, body = outer.decide(raw)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.workflow = workflow
        self.approver = approver
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def decide(self, raw: str) -> tuple[int, dict[str, Any]]:
        event = {"requestContext": {"authorizer": {"iam": {"userArn": self.approver}}}, "body": raw}
        try:
            result = self.workflow.call_handler("DecideApproval", event)
        except Exception as exc:
            return 409, {"status": "refused", "message": str(exc), "approver": self.approver}
        if isinstance(result, dict) and "statusCode" in result:
            return int(result["statusCode"]), json.loads(result.get("body") or "{}")
        return 200, {**result, "approver": self.approver}

    def __enter__(self) -> LocalDecideUrl:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# -- the rehearsal -----------------------------------------------------------------------------


@dataclass
class Event:
    at: float
    text: str


@dataclass
class Rehearsal:
    config_path: Path
    version: str = "v2"
    manual: bool = False
    alarm: str = "after"  # after the release | during the bake | none
    workdir: Path | None = None
    events: list[Event] = field(default_factory=list)
    samples: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._t0 = time.monotonic()

    def say(self, text: str) -> None:
        event = Event(time.monotonic() - self._t0, text)
        self.events.append(event)
        print(f"  {event.at:7.2f}s  {text}", flush=True)

    def run(self) -> int:
        binary = find_nginx()
        if binary is None or not lua_modules_present():
            print(
                "the rehearsal needs nginx and libnginx-mod-http-lua: run scripts/install_system_deps.sh "
                "(or `make demo-quick` for the release alone)",
                file=sys.stderr,
            )
            return EXIT_SETUP
        with ExitStack() as stack:
            workdir = self.workdir or Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="bg-rehearsal-"))
            )
            workdir.mkdir(parents=True, exist_ok=True)
            return self._run(binary, workdir, stack)
        return EXIT_SETUP  # pragma: no cover - ExitStack does not swallow exceptions

    def _run(self, binary: str, workdir: Path, stack: ExitStack) -> int:
        from bluegreen.adapters.kube import StaticApiClientFactory
        from bluegreen.local.cluster import seed_cluster
        from bluegreen.local.fake_kube import FakeKubeServer, RolloutMode
        from bluegreen.local.server_workflow import ServerWorkflow

        processes = Processes()
        stack.callback(processes.stop_all)
        base = load_config(self.config_path)
        data = base.model_dump(mode="json", exclude_none=True)
        data["smoke"] = {"base_url": f"http://{base.domains.preprod}", "timeout_seconds": 5}
        config = AppConfig.model_validate(data)
        # Children talk to moto only: test credentials, never the caller's real ones.
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        child_env.update(MOTO_ENV)
        pods = ColorPods(config, processes, workdir, child_env)

        print(
            f"bluegreen rehearsal: {config.app}/{config.environment}, release {self.version} "
            f"(work dir {workdir})"
        )
        kube = stack.enter_context(FakeKubeServer())
        pods.kube = kube
        seed_cluster(kube, config)
        kube.store.default_mode = RolloutMode.COMPLETE
        for color in Color:
            pods.sync(color)
        kube.on_change = pods.on_change
        self.say(
            f"cluster {kube.url}: blue pods on :{pods.ports[Color.BLUE]} run {pods.versions[Color.BLUE]}, "
            f"green pods on :{pods.ports[Color.GREEN]} run {pods.versions[Color.GREEN]}"
        )

        routes: dict[str, int] = {}
        http = httpx.Client(transport=HostRouting(routes), timeout=5)
        stack.callback(http.close)
        workflow = ServerWorkflow(config, StaticApiClientFactory(kube.client_configuration()), http=http)
        stack.enter_context(workflow)
        for gateway_id in workflow.aws.gateways.ids:  # the real agents acknowledge, not the stand-in
            workflow.aws.gateways.mode[gateway_id] = "silent"
        for gateway_id in workflow.aws.gateways.ids:
            workflow.aws.acks_table.delete_item(Key={"gateway_id": gateway_id})
        workflow.runtime.acks = CompressedTimeAcks(
            GatewayAckReader(workflow.aws.acks_table), workflow.aws.clock
        )
        self.say(f"moto server {workflow.endpoint_url} runs the release workflow")

        child_env.update(
            {k: v for k, v in workflow.environment().items() if k.startswith("BLUEGREEN_")},
            AWS_ENDPOINT_URL=workflow.endpoint_url,
        )
        decide_url = stack.enter_context(LocalDecideUrl(workflow))
        child_env["BLUEGREEN_DECIDE_URL"] = decide_url.url
        child_env["BLUEGREEN_DECIDE_FUNCTION"] = "bluegreen-DecideApproval"
        with ThreadPoolExecutor(
            max_workers=len(workflow.aws.gateways.ids)
        ) as pool:  # start them side by side
            futures = [
                pool.submit(
                    start_gateway,
                    gid,
                    binary,
                    workdir,
                    workflow.endpoint_url,
                    config,
                    str(workflow.aws.acks_table.name),
                    pods,
                    processes,
                    child_env,
                    stack,
                )
                for gid in workflow.aws.gateways.ids
            ]
            gateways = [future.result() for future in futures]
        routes[config.domains.live] = routes[config.domains.preprod] = gateways[0].port
        self._wait_for_acks(workflow, gateways)
        self.say(
            "gateways "
            + ", ".join(f"{g.gateway_id} (nginx :{g.port})" for g in gateways)
            + " follow the parameter"
        )
        self.sample("before", gateways, config)

        before = workflow.runtime.colors.read().color
        ending = self._release(workflow, gateways, config, child_env)
        rollback: dict[str, Any] = {}
        if self.alarm == "after" and ending.get("outcome") == "succeeded":
            rollback = self._rollback_after_release(workflow, gateways)
        self.sample("after", gateways, config)
        self._summary(workflow, ending, config, rollback)
        now = workflow.runtime.colors.read().color
        if self.alarm == "after":
            ok = ending.get("outcome") == "succeeded" and rollback.get("status") == "rolled_back"
            return 0 if ok and now == before else 1
        expected = "rolled_back" if self.alarm == "bake" else "succeeded"
        return 0 if ending.get("outcome") == expected else 1

    # -- steps -----------------------------------------------------------------------------------

    def _wait_for_acks(self, workflow: Any, gateways: list[Gateway], timeout: float = 20.0) -> None:
        def acked() -> bool:
            version = int(
                workflow.aws.ssm.get_parameter(Name=workflow.config.parameter_name)["Parameter"]["Version"]
            )
            items = {a.gateway_id: a for a in GatewayAckReader(workflow.aws.acks_table).all()}
            return all(
                (items.get(g.gateway_id) and items[g.gateway_id].parameter_version == version)
                for g in gateways
            )

        wait_until(acked, timeout=timeout, interval=0.05, what="every gateway's acknowledgement")

    def sample(self, label: str, gateways: list[Gateway], config: AppConfig) -> None:
        """A request per service to myapp.com and preprod.myapp.com through every gateway."""
        answers: dict[str, set[str]] = {}
        for domain in (config.domains.live, config.domains.preprod):
            for gateway in gateways:
                for service in config.services:
                    response = get(gateway.port, domain, f"/{service.name}/api/ping")
                    try:
                        body = json.loads(response.body)
                        answer = f"{body['version']} ({body['color']})"
                    except (ValueError, KeyError):
                        answer = f"HTTP {response.status}"
                    answers.setdefault(domain, set()).add(answer)
        for domain, seen in answers.items():
            self.samples.setdefault(label, []).append(f"{domain}: {', '.join(sorted(seen))}")
            self.say(f"{domain} answered by {', '.join(sorted(seen))} [{label}]")

    def _release(
        self, workflow: Any, gateways: list[Gateway], config: AppConfig, env: dict[str, str]
    ) -> dict[str, Any]:
        bake_checks = 0

        def on_invoke(function: str, event: dict[str, Any]) -> None:
            nonlocal bake_checks
            if function == "ConfirmGateways":  # the agents poll in real time: let them catch up
                with contextlib.suppress(TimeoutError):
                    self._wait_for_acks(workflow, gateways, timeout=10)
            if function == "CheckBake":
                bake_checks += 1
                if bake_checks == 1:
                    self.sample("switched", gateways, config)
                if bake_checks == 2 and self.alarm == "bake":
                    workflow.aws.cloudwatch.set_alarm_state(
                        AlarmName=ALARM, StateValue="ALARM", StateReason="rehearsal: card declines spiked"
                    )
                    self.say(f"alarm {ALARM} fired during the bake")

        workflow.on_invoke = on_invoke
        cli = str(Path(sys.executable).with_name("bluegreen"))
        started = subprocess.run(
            [
                cli,
                "--config",
                str(self.config_path),
                "--json",
                "release",
                "start",
                "--version",
                self.version,
                "--triggered-by",
                "rehearsal-pipeline",
                "--change-ref",
                "REHEARSAL-1",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        release = json.loads(started.stdout)
        release_id, arn = release["release_id"], release["execution_arn"]
        self.say(f"`bluegreen release start --version {self.version}` started release {release_id}")
        workflow.wait_for_approval_request(release_id, timeout=60)
        record: dict[str, Any] = workflow.record(release_id)
        self.say(
            f"deployed to {record['colors']['target']}; smoke tests: {record.get('smoke', {}).get('summary')}"
        )
        if self.manual:
            names = [*sorted(k for k in env if k.startswith("BLUEGREEN_")), *MOTO_ENV]
            exports = "".join(f"    export {k}={env[k]}\n" for k in names if k in env)
            print(
                f"\n  waiting for approval of {release_id}. In another terminal:\n\n{exports}"
                f"    {cli} approve {release_id}     # or: reject {release_id} --reason ...\n\n"
                "  Ctrl-C stops the rehearsal.\n",
                flush=True,
            )
            workflow.wait_until(
                lambda: workflow.pending_approval(release_id) is None, timeout=24 * 3600, what="a decision"
            )
            self.say("approval decided from the other terminal")
        else:
            workflow.decide(release_id, "approve", APPROVER)
            self.say(f"approved automatically as {APPROVER}")
        workflow.wait_for_end(arn, timeout=120)
        record = workflow.record(release_id)
        self.say(f"release {release_id} ended: {record.get('outcome')}")
        self._history = workflow.history(arn)
        return record

    def _rollback_after_release(self, workflow: Any, gateways: list[Gateway]) -> dict[str, Any]:
        """An alarm on the new colour after the release, inside its rollback window: CloudWatch
        changes the alarm's state, the EventBridge rule invokes AlarmRollback with the event."""
        workflow.aws.cloudwatch.set_alarm_state(
            AlarmName=ALARM, StateValue="ALARM", StateReason="rehearsal: card declines spiked"
        )
        self.say(f"alarm {ALARM} fired after the release, inside its rollback window")
        event = {
            "detail-type": "CloudWatch Alarm State Change",
            "source": "aws.cloudwatch",
            "detail": {
                "alarmName": ALARM,
                "state": {"value": "ALARM", "reason": "rehearsal: card declines spiked"},
            },
        }
        result: dict[str, Any] = workflow.call_handler("AlarmRollback", event)
        self._wait_for_acks(workflow, gateways)
        self.say(f"AlarmRollback (invoked as the EventBridge rule would): {result.get('status')}")
        return result

    def _summary(
        self, workflow: Any, record: dict[str, Any], config: AppConfig, rollback: dict[str, Any]
    ) -> None:
        from bluegreen.local.demo import timeline

        print("\nworkflow timeline (moto's clock; waits are virtual):\n   started   took   step")
        print("\n".join(timeline(self._history)))
        colors = record.get("colors", {})
        print("\nsummary")
        print(
            f"  release     {record.get('release_id')} {record.get('version')} "
            f"by {record.get('triggered_by')}"
        )
        print(
            f"  outcome     {record.get('outcome')}"
            + (f": {record['reason']}" if record.get("reason") else "")
        )
        print(
            f"  colours     {colors.get('before')} -> {colors.get('after', colors.get('target'))}, "
            f"now {workflow.runtime.colors.read().color.value}"
        )
        if rollback:
            print(f"  rollback    {rollback.get('status')}: {rollback.get('message')}")
        for label in ("before", "switched", "after"):
            for line in self.samples.get(label, []):
                print(f"  {label:<11} {line}")
        print(f"  took        {time.monotonic() - self._t0:.1f} s")


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every `with` block stops what it started."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="v2", help="the version to release (default v2)")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "myapp.yaml")
    parser.add_argument(
        "--manual", action="store_true", help="wait for `bluegreen approve` from another terminal"
    )
    parser.add_argument(
        "--alarm",
        choices=["after", "bake", "none"],
        default="after",
        help="when the alarm fires: after the release (default; AlarmRollback), during the bake, never",
    )
    parser.add_argument("--no-alarm", action="store_true", help="the same as --alarm none")
    parser.add_argument(
        "--workdir", type=Path, help="keep nginx files and logs here (default: a temporary dir)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    alarm = "none" if args.no_alarm else args.alarm
    rehearsal = Rehearsal(args.config, args.version, args.manual, alarm, args.workdir)
    try:
        with _signals_unwind():
            return rehearsal.run()
    except KeyboardInterrupt:
        print("\nstopped: every process the rehearsal started is gone", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
