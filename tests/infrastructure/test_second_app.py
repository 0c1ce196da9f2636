"""config/billpay.yaml, the second example app, synthesizes with app.py (cdk-nag included) into a
stack that carries billpay's own names, and nothing of the first example's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.infrastructure.conftest import ROOT, Inputs, run_app

BILLPAY = ROOT / "config" / "billpay.yaml"


def _asset(root: Path) -> Path:
    """A Lambda asset as scripts/build_lambda_asset.py leaves it for billpay (without the packages)."""
    asset = root / "asset"
    (asset / "lambdas").mkdir(parents=True)
    (asset / "config").mkdir()
    (asset / "lambdas" / "__init__.py").write_text("")
    (asset / "config" / BILLPAY.name).write_bytes(BILLPAY.read_bytes())
    return asset


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def test_billpay_synthesizes_with_its_own_names_only(tmp_path: Path, inputs: Inputs) -> None:
    # When app.py synthesizes the second example config
    context = {
        "config": str(BILLPAY),
        "lambda_asset": str(_asset(tmp_path)),
        "definition": str(inputs.definition_path),
    }
    run = run_app(context, tmp_path / "out")

    # Then it passes cdk-nag, and the stack is billpay's through and through
    assert run.returncode == 0, run.stderr
    text = (run.outdir / "BlueGreen-billpay-live.template.json").read_text()
    assert "myapp" not in text.lower()
    template = json.loads(text)
    parameter = template["Outputs"]["ActiveColorParameterName"]["Value"]
    assert parameter == "/platform/releases/billpay/live/serving-slot"
    functions = _of_type(template, "AWS::Lambda::Function")
    configs = [f.get("Environment", {}).get("Variables", {}).get("BLUEGREEN_CONFIG") for f in functions]
    assert {c for c in configs if c} == {"config/billpay.yaml"}
    payment_alarms = [
        a for a in _of_type(template, "AWS::CloudWatch::Alarm") if a.get("MetricName") == "ChargeFailures"
    ]
    assert {a["Namespace"] for a in payment_alarms} == {"billpay/checkout"}
    assert sorted(d["Value"] for a in payment_alarms for d in a["Dimensions"] if d["Name"] == "Slot") == [
        "blue",
        "green",
    ]
