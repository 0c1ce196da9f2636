"""What every command shares: the AWS session, where the release resources are, and output.

Resources are found in the stack's outputs (`BlueGreen-<app>-<env>`), or named directly with
environment variables (BLUEGREEN_STATE_MACHINE_ARN, BLUEGREEN_RELEASES_TABLE, BLUEGREEN_ACKS_TABLE,
BLUEGREEN_DECIDE_FUNCTION, BLUEGREEN_DECIDE_URL, BLUEGREEN_START_URL,
BLUEGREEN_PARAMETER) — which is how the tests point it at moto.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import boto3
import click
from rich.console import Console

from bluegreen.config import AppConfig, load_config
from bluegreen.errors import BlueGreenError
from bluegreen.stack_outputs import CLI_OUTPUTS, stack_name


class CliError(click.ClickException):
    """A failure the user can act on: printed without a traceback, exit code 1."""


@dataclass
class CliContext:
    config_path: Path | None
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    stack_name: str | None = None
    as_json: bool = False
    console: Console = field(default_factory=lambda: Console(highlight=False))

    @cached_property
    def config(self) -> AppConfig:
        if self.config_path is None:
            raise CliError(
                "which application? name its config: --config config/<app>.yaml (or BLUEGREEN_CONFIG)"
            )
        try:
            return load_config(self.config_path)
        except BlueGreenError as exc:
            raise CliError(str(exc)) from exc

    @cached_property
    def session(self) -> boto3.session.Session:
        return boto3.session.Session(profile_name=self.profile, region_name=self.region)

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def table(self, name: str) -> Any:
        return self.session.resource("dynamodb", endpoint_url=self.endpoint_url).Table(name)

    @cached_property
    def _stack_outputs(self) -> dict[str, str]:
        stack = self.stack_name or stack_name(self.config.app, self.config.environment)
        try:
            described = self.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        except Exception as exc:
            raise CliError(
                f"cannot read the outputs of stack {stack} ({exc}); deploy it, pass --stack, "
                "or name the resources with BLUEGREEN_* environment variables"
            ) from exc
        return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}

    def resource(self, name: str) -> str:
        output_key, env_var = CLI_OUTPUTS[name].key, CLI_OUTPUTS[name].env_var
        if os.environ.get(env_var):
            return os.environ[env_var]
        if name == "parameter_name" and not self.stack_name:
            return self.config.parameter_name
        value = self._stack_outputs.get(output_key)
        if not value:
            raise CliError(f"stack output {output_key} not found (or set {env_var})")
        return value

    def emit(self, data: Any, human: Callable[[Console], None]) -> None:
        """JSON on stdout with --json, else the human rendering."""
        if self.as_json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        else:
            human(self.console)


pass_cli = click.make_pass_decorator(CliContext)


def _set_json(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    obj = ctx.find_object(CliContext)
    if value and obj is not None:
        obj.as_json = True


json_option = click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_json,
    help="Machine-readable output (as `bluegreen --json ...`).",
)
"""`--json` after the command name too, as every command accepts it."""
