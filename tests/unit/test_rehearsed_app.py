"""A local run takes everything about the app from its config and rehearsal overlay: both example
configs load with their overlays, and what a run cannot use is refused naming the file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bluegreen.colors import Color
from bluegreen.config import load_config
from bluegreen.errors import ConfigError
from bluegreen.local.rehearsed_app import RehearsedApp

CONFIGS = Path(__file__).resolve().parents[2] / "config"
EXAMPLES = sorted(CONFIGS.glob("*.yaml"))


def copy(tmp_path: Path, name: str, change_config: Any = None, change_overlay: Any = None) -> Path:
    """config/<name> and its overlay copied under tmp_path, each changed by a function."""
    (tmp_path / "rehearsal").mkdir(exist_ok=True)
    config = yaml.safe_load((CONFIGS / name).read_text())
    overlay = yaml.safe_load((CONFIGS / "rehearsal" / name).read_text())
    if change_config:
        change_config(config)
    if change_overlay:
        change_overlay(overlay)
    (tmp_path / name).write_text(yaml.safe_dump(config))
    (tmp_path / "rehearsal" / name).write_text(yaml.safe_dump(overlay))
    return tmp_path / name


def test_there_are_two_example_apps() -> None:
    assert [p.name for p in EXAMPLES] == ["billpay.yaml", "myapp.yaml"]


@pytest.mark.parametrize("config_path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_config_has_a_rehearsal_overlay_that_fits_it(config_path: Path) -> None:
    app = RehearsedApp.load(config_path)
    assert app.overlay.stand_ins.services, "its services stand in for sessions, profiles, payments"
    assert app.payment_services()
    assert len(app.approvers()) == app.config.approvals.required_approvals


def test_the_second_example_uses_no_default_name() -> None:
    config = load_config(CONFIGS / "billpay.yaml")
    assert len(config.services) >= 5
    assert {config.namespaces.blue, config.namespaces.green}.isdisjoint({"blue", "green"})
    assert config.parameter_name != f"/bluegreen/{config.app}/{config.environment}/active-color"
    assert len(config.gateways.ids) == 3
    assert config.initial_color is Color.GREEN
    assert config.smoke.suite is not None
    assert config.approvals.required_approvals == 2
    assert any(s.deployment_name != s.name for s in config.services)
    assert any(s.container_name != s.name for s in config.services)


def test_the_payment_metric_namespace_defaults_to_the_apps_own(tmp_path: Path) -> None:
    def no_namespace(config: dict[str, Any]) -> None:
        del config["alarms"]["payment_metric"]["namespace"]

    config = load_config(copy(tmp_path, "billpay.yaml", no_namespace))
    assert config.alarms.payment_metric is not None
    assert config.alarms.payment_metric.namespace_for(config.app) == "billpay/payments"


def test_local_config_points_the_smoke_suite_at_the_local_preprod_and_keeps_the_suite() -> None:
    app = RehearsedApp.load(CONFIGS / "billpay.yaml")
    local = app.local_config("http://preprod-api.billpay.example")
    assert local.smoke.base_url == "http://preprod-api.billpay.example"
    assert local.smoke.verify_tls is False
    assert local.smoke.suite == app.config.smoke.suite


def test_the_alarm_a_run_fires_is_one_that_guards_the_new_colour() -> None:
    app = RehearsedApp.load(CONFIGS / "billpay.yaml")
    assert app.alarm_guarding(Color.BLUE) == "billpay-live-charge-errors"


@pytest.mark.parametrize(
    ("change_config", "change_overlay", "field"),
    [
        (None, lambda o: o["secrets"].pop("billpay/live/smoke/cards"), "secrets.billpay/live/smoke/cards"),
        (
            None,
            lambda o: o["secrets"]["billpay/live/smoke/cards"].pop("cvc"),
            "secrets.billpay/live/smoke/cards",
        ),
        (None, lambda o: o["stand_ins"]["services"].update(billing="payments"), "stand_ins.services.billing"),
        (None, lambda o: o["stand_ins"]["services"].update(ledger="banking"), "stand_ins.services.ledger"),
        (None, lambda o: o.update(secretz={}), "secretz"),
    ],
)
def test_an_overlay_that_does_not_fit_is_refused_naming_the_overlay_and_field(
    tmp_path: Path, change_config: Any, change_overlay: Any, field: str
) -> None:
    path = copy(tmp_path, "billpay.yaml", change_config, change_overlay)
    with pytest.raises(ConfigError) as caught:
        RehearsedApp.load(path)
    assert caught.value.source == str(tmp_path / "rehearsal" / "billpay.yaml")
    assert field in [f for f, _ in caught.value.problems]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda c: c["approvals"].update(approvers=["U07DUTYLEAD", c["approvals"]["approvers"][0]]),
            "approvals.approvers",
        ),
        (lambda c: c["services"][4].update(health_path="/ledger/live"), "services.4.health_path"),
    ],
)
def test_a_config_a_local_run_cannot_play_is_refused_naming_the_field(
    tmp_path: Path, change: Any, field: str
) -> None:
    path = copy(tmp_path, "billpay.yaml", change)
    with pytest.raises(ConfigError) as caught:
        RehearsedApp.load(path).approvers()
    assert caught.value.source == str(path)
    assert field in [f for f, _ in caught.value.problems]


def test_an_explicit_overlay_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml"):
        RehearsedApp.load(CONFIGS / "billpay.yaml", tmp_path / "nowhere.yaml")
