"""The application a local run rehearses, from its own config and overlay, never from constants.

The config says the services, their paths, namespaces, domains, gateways, initial colour, smoke
suite, approvers and alarms; the overlay (bluegreen.local.overlay) adds what only a local run needs:
secret values for the local Secrets Manager and which services stand in for sessions, profiles and
payments. Used by the rehearsal (`make demo`), the in-process demo (`make demo-quick`), tests and
benchmarks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluegreen.colors import Color
from bluegreen.config import AppConfig, load_config
from bluegreen.errors import ConfigError
from bluegreen.local.overlay import RehearsalOverlay, load_overlay
from bluegreen.local.stand_in.api import Faults, ServiceStandIn, StandInSpec, StandInUser
from bluegreen.release.identity import ROLE, People

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "config" / "myapp.yaml"
"""The example app, for commands run without `--config` (the Makefile passes CONFIG)."""


def path_prefix(health_path: str) -> str:
    """A service's path on the shared host: the first segment of its health path."""
    return "/" + health_path.strip("/").split("/", 1)[0]


@dataclass(frozen=True)
class RehearsedApp:
    config_path: Path
    config: AppConfig
    """As written; `local_config` points it at a local preprod."""
    overlay: RehearsalOverlay

    @classmethod
    def load(cls, config_path: Path, overlay_path: Path | None = None) -> RehearsedApp:
        """Raises ConfigError naming the file and field (config, overlay, or what the run needs)."""
        config = load_config(config_path)
        app = cls(config_path, config, load_overlay(config, config_path, overlay_path))
        app._check_paths()
        return app

    def _check_paths(self) -> None:
        owners: dict[str, str] = {}
        for index, service in enumerate(self.config.services):
            prefix = path_prefix(service.health_path)
            if prefix in owners:
                raise ConfigError(
                    str(self.config_path),
                    [
                        (
                            f"services.{index}.health_path",
                            f"{service.name} and {owners[prefix]} share the path {prefix}: a local run "
                            "routes each service by the first segment of its health path",
                        )
                    ],
                )
            owners[prefix] = service.name

    # -- the config, pointed at local endpoints ------------------------------------------------------

    def local_config(self, preprod_url: str) -> AppConfig:
        """The config with its smoke suite (or health checks) sent to `preprod_url`."""
        data = self.config.model_dump(mode="json", exclude_none=True)
        data["smoke"] = {
            **data["smoke"],
            "base_url": preprod_url,
            "verify_tls": preprod_url.startswith("https://") and self.config.smoke.verify_tls,
        }
        return AppConfig.model_validate(data)

    def approvers(self) -> list[str]:
        """The IAM identities a local run approves as, one per IAM entry of the allow-list that names a
        person (a session of a person-session role, or a principal mapped to a person), as many as a
        release needs votes: approvals count people."""
        approvals = self.config.approvals
        people = People(approvals.identities)
        found: list[str] = []
        for entry in (approver for approver in approvals.approvers if approver.startswith("arn:")):
            role = ROLE.match(entry)
            candidate = entry
            if role:
                name = f"approver-{len(found) + 1}@{self.config.app}.rehearsal"
                candidate = f"arn:{role['p']}:sts::{role['account']}:assumed-role/{role['role']}/{name}"
            if people.iam(candidate)[0] is not None:
                found.append(candidate)
        if len(found) < approvals.required_approvals:
            raise ConfigError(
                str(self.config_path),
                [
                    (
                        "approvals.approvers",
                        f"a local run approves through the CLI's path as {approvals.required_approvals} "
                        f"IAM identities that name a person (roles listed in "
                        f"approvals.identities.person_session_roles, or principals mapped in "
                        f"approvals.identities.people); the list has {len(found)}",
                    )
                ],
            )
        return found[: approvals.required_approvals]

    def starter(self) -> str:
        """Who a local run starts releases as (through StartRelease): a session of the first
        person-session role, a person other than every approver."""
        roles = self.config.approvals.identities.person_session_roles
        role = ROLE.match(roles[0]) if roles else None
        if role is None:
            raise ConfigError(
                str(self.config_path),
                [
                    (
                        "approvals.identities.person_session_roles",
                        "a local run starts releases through StartRelease as a session of one of "
                        "these roles; there is none",
                    )
                ],
            )
        name = f"release-starter@{self.config.app}.rehearsal"
        return f"arn:{role['p']}:sts::{role['account']}:assumed-role/{role['role']}/{name}"

    def alarm_guarding(self, live: Color) -> str | None:
        """An alarm that rolls back a release whose new colour is `live` (None: no alarm watches it)."""
        config = self.config
        names = config.alarms.rollback_alarm_names(config.app, config.environment, live)
        return names[0] if names else None

    # -- the local pods -----------------------------------------------------------------------------

    def stand_ins(self) -> tuple[ServiceStandIn, ...]:
        kinds = self.overlay.stand_ins.services
        return tuple(
            ServiceStandIn(
                service.name,
                path_prefix(service.health_path),
                service.health_path,
                kinds.get(service.name, "health"),
            )
            for service in self.config.services
        )

    def payment_services(self) -> list[str]:
        return [name for name, kind in self.overlay.stand_ins.services.items() if kind == "payments"]

    def spec(
        self, color: str, versions: Mapping[str, str] | None, faults: Faults | None = None
    ) -> StandInSpec:
        users = tuple(StandInUser(**user.model_dump()) for user in self.overlay.stand_ins.users)
        return StandInSpec(color, self.stand_ins(), users, versions, faults or Faults())

    # -- the local AWS ------------------------------------------------------------------------------

    def secret_strings(self) -> dict[str, str]:
        """Secret name -> SecretString (a mapping as its JSON document)."""
        return {
            name: value if isinstance(value, str) else json.dumps(value)
            for name, value in self.overlay.secrets.items()
        }

    def seed_secrets(self, secretsmanager: Any) -> None:
        """Create the overlay's secrets in a (local) Secrets Manager."""
        for name, value in self.secret_strings().items():
            secretsmanager.create_secret(Name=name, SecretString=value)
