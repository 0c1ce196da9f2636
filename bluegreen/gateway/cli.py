"""`bluegreen-gateway`: the agent's command line.

bluegreen-gateway [--config FILE] run            poll until SIGTERM (the systemd service)
bluegreen-gateway [--config FILE] once           one poll, exit 0 when healthy
bluegreen-gateway [--config FILE] render         write the nginx files for the persisted colour
                                                 (or the parameter's, read once) before nginx starts
bluegreen-gateway [--config FILE] check-config   validate the config, print it, and check this host
                                                 (nginx binary, directories, TLS CA bundle); exit 2 if not
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from bluegreen.errors import ConfigError
from bluegreen.gateway.agent import Agent
from bluegreen.gateway.aws import AwsError
from bluegreen.gateway.config import DEFAULT_CONFIG_PATH, GatewayConfig, load_gateway_config
from bluegreen.gateway.errors import GatewayAgentError
from bluegreen.gateway.factory import build_agent
from bluegreen.gateway.preflight import host_problems

logger = logging.getLogger("bluegreen.gateway")

EXIT_OK = 0
EXIT_UNHEALTHY = 1
EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bluegreen-gateway",
        description="Follow the active-colour SSM parameter and point nginx at that colour's ALB.",
    )
    parser.add_argument(
        "--config", default=str(DEFAULT_CONFIG_PATH), help=f"agent config (default {DEFAULT_CONFIG_PATH})"
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "once", "render", "check-config"],
        help="what to do (default: run)",
    )
    return parser


def _configure_logging(config: GatewayConfig) -> None:
    logging.basicConfig(
        level=config.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _build(config: GatewayConfig) -> Agent | None:
    """The agent, or None after logging why it cannot be built (no region, say)."""
    try:
        return build_agent(config)
    except AwsError as exc:
        logger.error("cannot start: %s", exc)
        return None


def _run_forever(config: GatewayConfig) -> int:
    agent = _build(config)
    if agent is None:
        return EXIT_CONFIG
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    logger.info(
        "gateway %s following %s every %gs (mode %s)",
        config.gateway_id,
        config.parameter_name,
        config.poll_seconds,
        config.mode,
    )
    agent.run(stop)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_gateway_config(args.config)
    except ConfigError as exc:
        print(f"bluegreen-gateway: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check-config":
        print(json.dumps(config.to_json(), indent=2, sort_keys=True))
        problems = host_problems(config)
        for field, problem in problems:
            print(f"bluegreen-gateway: {args.config}: {field}: {problem}", file=sys.stderr)
        return EXIT_CONFIG if problems else EXIT_OK
    _configure_logging(config)
    if args.command == "run":
        return _run_forever(config)

    agent = _build(config)
    if agent is None:
        return EXIT_CONFIG
    if args.command == "render":
        try:
            state = agent.bootstrap()
        except GatewayAgentError as exc:
            logger.error("cannot render the nginx files: %s", exc)
            return EXIT_UNHEALTHY
        logger.info("nginx files rendered for %s (parameter version %d)", state.color, state.version)
        return EXIT_OK
    agent.start()
    result = agent.poll_once()
    return EXIT_UNHEALTHY if result.errors else EXIT_OK
