"""Benchmark: switching colour through a real nginx under keep-alive load, in both gateway modes.

For each mode it starts (all on 127.0.0.1) moto in server mode, two nginx colour backends, a gateway
nginx and the real agent process (`python -m bluegreen.gateway run`), holds `--connections`
keep-alive connections on the live host (and `--preprod-connections` on preprod) with an asyncio
HTTP/1.1 client that records the start time and colour of every response, and flips the SSM
parameter `--flips` times. It prints, per mode:

- failed requests (connection errors, resets, timeouts, non-200 answers) out of all requests;
- propagation latency from PutParameter until every live response is the new colour (p50, p99, max);
- the agent's resident memory and CPU while polling, sampled from /proc (runtime mode).

Usage: `make bench-switch`, or `python scripts/bench_switch.py [--flips 20] [--record docs/benchmarks.md]`.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bluegreen.gateway.harness import (  # noqa: E402
    Backends,
    GatewayLayout,
    NginxProcess,
    find_nginx,
    free_port,
    get,
    port_open,
    wait_until,
)
from bluegreen.local.bench_record import record_section  # noqa: E402

REGION = "us-east-1"
# The gateway alone is measured: hosts of no app, which the agent below is configured to serve.
LIVE_HOST = "live.bench.invalid"
PREPROD_HOST = "preprod.bench.invalid"
SECTION = "## Gateway switch"
COLOR_CODES = {b"blue": 1, b"green": 2}
CODE_NAMES = {1: "blue", 2: "green"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# moto accepts any credentials; these keep the benchmark (and its agent) away from real ones.
MOTO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}


@dataclass
class HostLog:
    """Start time (perf_counter) and colour code of every successful response on one host."""

    starts: array[float] = field(default_factory=lambda: array("d"))
    colors: array[int] = field(default_factory=lambda: array("b"))
    latest: dict[int, tuple[float, int]] = field(default_factory=dict)  # connection -> last (start, colour)


@dataclass
class LoadStats:
    live: HostLog = field(default_factory=HostLog)
    preprod: HostLog = field(default_factory=HostLog)
    ok: int = 0
    failed: int = 0
    failure_kinds: dict[str, int] = field(default_factory=dict)

    def fail(self, kind: str) -> None:
        self.failed += 1
        self.failure_kinds[kind] = self.failure_kinds.get(kind, 0) + 1


async def _one_connection(
    port: int, host: str, log: HostLog, stats: LoadStats, number: int, stop: asyncio.Event, timeout: float
) -> None:
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: bench-switch\r\n\r\n".encode()
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while not stop.is_set():
        if writer is None:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
            except (OSError, TimeoutError):
                stats.fail("connect")
                await asyncio.sleep(0.01)
                continue
        assert reader is not None
        assert writer is not None
        started = time.perf_counter()
        try:
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
            status = int(head[9:12])
            length_match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            body = (
                await asyncio.wait_for(reader.readexactly(int(length_match.group(1))), timeout)
                if (length_match)
                else b""
            )
            close = re.search(rb"(?i)\r\nconnection: *close", head) is not None
        except (
            OSError,
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ) as exc:
            stats.fail(type(exc).__name__)
            writer.close()
            writer = None
            continue
        if status != 200:
            stats.fail(f"http {status}")
        else:
            color = COLOR_CODES.get(body.strip(), 0)
            log.starts.append(started)
            log.colors.append(color)
            log.latest[number] = (started, color)
            stats.ok += 1
        if close:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def _propagation(log: HostLog, put_at: float, until: float, new: int) -> float | None:
    """Seconds from PutParameter to the start of the first request after which every response was `new`.

    Requests are logged when they complete, so start times are sorted only up to one request's
    duration: search from 10 s before `put_at`, then sort the window by start time.
    """
    first = bisect.bisect_left(log.starts, put_at - 10.0)
    window = sorted(
        (log.starts[i], log.colors[i])
        for i in range(first, len(log.starts))
        if put_at <= log.starts[i] < until
    )
    last_old = max((i for i, (_, color) in enumerate(window) if color != new), default=-1)
    if last_old + 1 >= len(window):
        return None  # never (yet) all new
    return window[last_old + 1][0] - put_at


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _proc_memory_kib(pid: int) -> tuple[int, int]:
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


@dataclass
class ModeResult:
    mode: str
    requests: int
    failed: int
    failure_kinds: dict[str, int]
    latencies: list[float]
    preprod_latencies: list[float]
    duration: float
    agent_rss_kib: int = 0
    agent_hwm_kib: int = 0
    agent_cpu_percent: float = 0.0
    agent_idle_seconds: float = 0.0


class Rig:
    """moto server + colour backends, shared by both modes."""

    def __init__(self, root: Path, nginx: str) -> None:
        self.root = root
        self.nginx = nginx
        self.moto_port = free_port()
        env = dict(os.environ, AWS_DEFAULT_REGION=REGION, **MOTO_CREDENTIALS)
        self.env = env
        self.moto = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.moto_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.moto_url = f"http://127.0.0.1:{self.moto_port}"
        self.backends: Backends | None = None
        wait_until(lambda: port_open(self.moto_port), timeout=30, what="moto server")
        self.backends = Backends.start(nginx, root / "backends")
        session = boto3.session.Session(region_name=REGION)
        self.ssm: Any = session.client("ssm", endpoint_url=self.moto_url)
        self.dynamodb: Any = session.client("dynamodb", endpoint_url=self.moto_url)

    def close(self) -> None:
        if self.backends is not None:
            self.backends.stop()
        self.moto.terminate()
        self.moto.wait(timeout=15)


async def run_mode(rig: Rig, mode: str, args: argparse.Namespace) -> ModeResult:
    assert rig.backends is not None
    suffix = f"{mode}-{int(time.time())}"
    parameter, table = f"/bluegreen/bench-{suffix}/active-color", f"bench-acks-{suffix}"
    rig.ssm.put_parameter(Name=parameter, Value="blue", Type="String")
    rig.dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "gateway_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "gateway_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    layout = GatewayLayout.create(rig.root / f"gateway-{mode}")
    layout.write_main_conf(lua=mode == "runtime", worker_processes=str(args.workers))
    config = layout.agent_config(
        binary=rig.nginx,
        mode=mode,
        parameter_name=parameter,
        ack_table=table,
        blue_port=rig.backends.blue_port,
        green_port=rig.backends.green_port,
        ssm_endpoint_url=rig.moto_url,
        dynamodb_endpoint_url=rig.moto_url,
        poll_seconds=args.poll_seconds,
        backoff_max_seconds=max(30.0, args.poll_seconds),
        gateway_id=f"bench-{mode}",
    )
    config["log_level"] = "WARNING"
    config["domains"] = {"live": LIVE_HOST, "preprod": PREPROD_HOST}
    config_path = layout.root / "gateway.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    agent_command = [sys.executable, "-m", "bluegreen.gateway", "--config", str(config_path)]
    subprocess.run([*agent_command, "render"], check=True, env=rig.env, timeout=60)
    nginx = NginxProcess(rig.nginx, layout.root, layout.conf)
    nginx.start(ready_port=layout.listen_port)
    agent = subprocess.Popen([*agent_command, "run"], env=rig.env, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: get(layout.listen_port, LIVE_HOST).color == "blue", timeout=20, what="blue live")

        def acknowledged() -> bool:
            key = {"gateway_id": {"S": f"bench-{mode}"}}
            return "Item" in rig.dynamodb.get_item(TableName=table, Key=key)

        wait_until(acknowledged, timeout=30, what="the agent's first acknowledgement")
        return await _drive(rig, mode, args, layout.listen_port, parameter, agent.pid)
    finally:
        agent.terminate()
        _, agent_err = agent.communicate(timeout=15)
        nginx.stop()
        if agent_err.strip():
            print(f"[{mode}] agent stderr (last lines):", file=sys.stderr)
            print("\n".join(agent_err.decode(errors="replace").splitlines()[-10:]), file=sys.stderr)


async def _drive(
    rig: Rig, mode: str, args: argparse.Namespace, port: int, parameter: str, agent_pid: int
) -> ModeResult:
    stats = LoadStats()
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(
            _one_connection(port, LIVE_HOST, stats.live, stats, n, stop, args.request_timeout)
        )
        for n in range(args.connections)
    ] + [
        asyncio.create_task(
            _one_connection(port, PREPROD_HOST, stats.preprod, stats, n, stop, args.request_timeout)
        )
        for n in range(args.preprod_connections)
    ]
    rng = random.Random(args.seed)  # noqa: S311 - spacing flips, not security
    puts: list[tuple[float, int]] = []
    began = time.perf_counter()
    cpu_before, wall_before = _proc_cpu_seconds(agent_pid), time.perf_counter()
    await asyncio.sleep(1.0)  # warm every connection up
    color = 1
    try:
        for flip in range(args.flips):
            color = 2 if color == 1 else 1
            put_at = time.perf_counter()
            await asyncio.to_thread(
                rig.ssm.put_parameter, Name=parameter, Value=CODE_NAMES[color], Type="String", Overwrite=True
            )
            puts.append((put_at, color))
            deadline = put_at + args.flip_timeout

            def switched(put_at: float = put_at, color: int = color) -> bool:
                live = stats.live.latest
                return len(live) == args.connections and all(
                    start > put_at and seen == color for start, seen in live.values()
                )

            while not switched():
                if time.perf_counter() > deadline:
                    print(
                        f"[{mode}] flip {flip + 1}: not switched after {args.flip_timeout}s", file=sys.stderr
                    )
                    break
                await asyncio.sleep(0.01)
            # Land the next flip anywhere in the agent's poll cycle, not just after a poll.
            await asyncio.sleep(rng.uniform(0.3, 0.3 + args.poll_seconds))
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    duration = time.perf_counter() - began
    cpu_during = _proc_cpu_seconds(agent_pid) - cpu_before
    wall_during = time.perf_counter() - wall_before
    bounds = [put_at for put_at, _ in puts[1:]] + [time.perf_counter()]
    latencies = [
        value
        for (put_at, new), until in zip(puts, bounds, strict=True)
        if (value := _propagation(stats.live, put_at, until, new)) is not None
    ]
    preprod = [
        value
        for (put_at, new), until in zip(puts, bounds, strict=True)
        if (value := _propagation(stats.preprod, put_at, until, 1 if new == 2 else 2)) is not None
    ]
    result = ModeResult(
        mode=mode,
        requests=stats.ok + stats.failed,
        failed=stats.failed,
        failure_kinds=stats.failure_kinds,
        latencies=latencies,
        preprod_latencies=preprod,
        duration=duration,
    )
    if mode == "runtime" and args.idle_seconds > 0:
        # The agent alone, polling: CPU over an idle window, memory at its end.
        cpu_start, wall_start = _proc_cpu_seconds(agent_pid), time.perf_counter()
        await asyncio.sleep(args.idle_seconds)
        result.agent_cpu_percent = (
            100.0 * (_proc_cpu_seconds(agent_pid) - cpu_start) / (time.perf_counter() - wall_start)
        )
        result.agent_idle_seconds = args.idle_seconds
        result.agent_rss_kib, result.agent_hwm_kib = _proc_memory_kib(agent_pid)
    elif wall_during > 0:
        result.agent_rss_kib, result.agent_hwm_kib = _proc_memory_kib(agent_pid)
        result.agent_cpu_percent = 100.0 * cpu_during / wall_during
    return result


def _ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def render_report(results: list[ModeResult], args: argparse.Namespace, command: str) -> str:
    lines = [
        f"Command: `{command}`  ",
        f"Date: {datetime.now(UTC).date().isoformat()}; machine: {os.cpu_count()} cores "
        f"({platform.machine()}, {platform.system()} {platform.release()}), nginx "
        f"{_nginx_version()}, Python {platform.python_version()}, all on 127.0.0.1.",
        "",
        f"Load: {args.connections} keep-alive connections on the live host and {args.preprod_connections} on "
        f"preprod (asyncio HTTP/1.1 client, one request in flight per connection, no retries), "
        f"{args.flips} parameter flips per mode, poll_seconds {args.poll_seconds:g} (jitter 0.1), "
        f"{args.workers} nginx workers.",
        "",
        "| mode | requests | failed | propagation p50 | p99 | max | preprod p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.latencies:
            p50, p99, worst = (
                _percentile(r.latencies, 0.5),
                _percentile(r.latencies, 0.99),
                max(r.latencies),
            )
            latency = f"{_ms(p50)} | {_ms(p99)} | {_ms(worst)}"
        else:
            latency = "n/a | n/a | n/a"
        preprod = _ms(_percentile(r.preprod_latencies, 0.99)) if r.preprod_latencies else "n/a"
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r.failure_kinds.items()))
        failed = f"{r.failed}" + (f" ({kinds})" if kinds else "")
        lines.append(f"| {r.mode} | {r.requests} | {failed} | {latency} | {preprod} |")
    runtime = next((r for r in results if r.mode == "runtime" and r.agent_idle_seconds), None)
    if runtime is not None:
        lines += [
            "",
            f"Agent while polling (runtime mode, {runtime.agent_idle_seconds:g} s after the flips, poll "
            f"{args.poll_seconds:g} s): RSS {runtime.agent_rss_kib / 1024:.1f} MiB (peak "
            f"{runtime.agent_hwm_kib / 1024:.1f} MiB), CPU {runtime.agent_cpu_percent:.2f}% of one core.",
        ]
    lines += ["", *NOTES]
    return "\n".join(lines) + "\n"


NOTES = [
    "How to read it:",
    "",
    "- *failed*: a request that got no complete `200` answer (reset, connection closed mid-answer,",
    "  timeout, other status). The client never retries, like `wrk`. `IncompleteReadError` is a",
    "  keep-alive connection that an old nginx worker closed during a reload as the request arrived.",
    "- *propagation*: from the PutParameter call to the start of the first live request after which",
    "  every live request got the new colour (so requests in flight at the switch count against it).",
    "  It is dominated by where the flip lands in the agent's poll cycle (uniform over 0 to",
    "  `poll_seconds`); applying takes a few ms in runtime mode and a reload (tens of ms) in reload mode,",
    "  whose old workers also keep answering on their open connections until they close them.",
    "  With 20 flips, p99 is the worst flip.",
    "- Goals: 0 failed requests in runtime mode; propagation p99 <= poll interval + 100 ms;",
    "  agent <= 40 MB resident and < 1% of a core at a 2 s poll. The agent imports neither boto3 nor",
    "  pydantic (stdlib SigV4 client, dataclass config; until 2026-11-26 it used both and sat at ~62 MiB);",
    "  what remains is the interpreter (~10 MB), OpenSSL for hashlib/ssl (~8 MB) and PyYAML.",
]


def _nginx_version() -> str:
    binary = find_nginx()
    if binary is None:
        return "?"
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False).stderr
    return out.strip().split("/")[-1] if "/" in out else out.strip()


def record(path: Path, report: str) -> None:
    """Replace (or add) this benchmark's own section of docs/benchmarks.md, leaving the others alone."""
    record_section(path, SECTION, report)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--modes", default="runtime,reload")
    parser.add_argument("--flips", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--preprod-connections", type=int, default=10)
    parser.add_argument("--poll-seconds", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="agent CPU/memory sampling window")
    parser.add_argument("--flip-timeout", type=float, default=15.0)
    parser.add_argument("--request-timeout", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--record", type=Path, help="write the results into this file's gateway section")
    args = parser.parse_args()
    if args.connections < 1 or args.flips < 1:
        parser.error("--connections and --flips must be positive")

    nginx = find_nginx()
    if nginx is None:
        print("nginx is not installed (apt-get install -y nginx libnginx-mod-http-lua)", file=sys.stderr)
        return 2
    command = "make bench-switch" if os.environ.get("MAKELEVEL") else "python " + " ".join(sys.argv)
    results: list[ModeResult] = []
    with tempfile.TemporaryDirectory(prefix="bench-switch-") as tmp:
        os.environ.update(MOTO_CREDENTIALS)
        os.environ.pop("AWS_PROFILE", None)
        rig = Rig(Path(tmp), nginx)
        try:
            for mode in args.modes.split(","):
                print(f"[{mode}] {args.flips} flips under load ...", file=sys.stderr, flush=True)
                results.append(asyncio.run(run_mode(rig, mode.strip(), args)))
        finally:
            rig.close()
    report = render_report(results, args, command)
    print(report)
    if args.record:
        record(args.record, report)
        print(f"recorded in {args.record}", file=sys.stderr)
    runtime = next((r for r in results if r.mode == "runtime"), None)
    if runtime and runtime.latencies:
        p99 = _percentile(runtime.latencies, 0.99)
        print(
            f"goals: runtime failed={runtime.failed} (goal 0); p99 {_ms(p99)} "
            f"(goal <= {_ms(args.poll_seconds + 0.1)}); agent RSS {runtime.agent_rss_kib / 1024:.1f} MiB "
            f"(goal <= 40); CPU {runtime.agent_cpu_percent:.2f}% (goal < 1%)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
