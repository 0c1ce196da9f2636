"""cdk-nag, cfn-lint and the entry point: the checks a deploy would otherwise find too late."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from aws_cdk.assertions import Annotations, Match

from tests.infrastructure.conftest import AppRun, Inputs, Synthesized, run_app

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
CFN_LINT_IGNORE = "W3005"  # CDK's redundant DependsOn on roles (also ignored by `make cfn-lint`)


def test_cdk_nag_aws_solutions_has_no_unsuppressed_errors(synthesized: Synthesized) -> None:
    annotations = Annotations.from_stack(synthesized.stack)
    errors = annotations.find_error("*", Match.string_like_regexp("AwsSolutions-.*"))
    assert [f"{e.id}: {e.entry.data}" for e in errors] == []


def test_cdk_nag_aws_solutions_has_no_unsuppressed_warnings(synthesized: Synthesized) -> None:
    annotations = Annotations.from_stack(synthesized.stack)
    warnings = annotations.find_warning("*", Match.string_like_regexp("AwsSolutions-.*"))
    assert [f"{w.id}: {w.entry.data}" for w in warnings] == []


def test_app_synthesizes_the_example_config_into_the_same_template(
    app_run: AppRun, synthesized: Synthesized
) -> None:
    # app.py exits non-zero on any error annotation (an unsuppressed cdk-nag finding among them)
    assert app_run.returncode == 0, app_run.stderr
    written = json.loads((app_run.outdir / synthesized.template_path.name).read_text())
    assert written["Resources"].keys() == synthesized.resources.keys()


def test_cfn_lint_passes_on_the_synthesized_template(synthesized: Synthesized) -> None:
    result = subprocess.run(
        [str(CFN_LINT), "--ignore-checks", CFN_LINT_IGNORE, "--", str(synthesized.template_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_config_fails_synth_naming_the_file_and_the_field(tmp_path: Path, inputs: Inputs) -> None:
    # Given a config whose cluster VPC id is not a VPC id
    bad = tmp_path / "broken.yaml"
    bad.write_text(inputs.config_path.read_text().replace("vpc_id: vpc-", "vpc_id: not-a-vpc-"))

    # When app.py synthesizes it
    run = run_app({"config": str(bad), "lambda_asset": str(inputs.asset_dir)}, tmp_path / "out")

    # Then it exits 1 with the file and the field, and no traceback
    assert run.returncode == 1
    assert str(bad) in run.stderr
    assert "cluster.vpc_id" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_stale_lambda_asset_is_refused(tmp_path: Path, inputs: Inputs) -> None:
    # Given an asset whose bundled config differs from the one being synthesized
    edited = tmp_path / inputs.config_path.name
    edited.write_text(inputs.config_path.read_text() + "\n# edited after the asset was built\n")

    # When app.py synthesizes, Then it refuses and says how to rebuild
    run = run_app({"config": str(edited), "lambda_asset": str(inputs.asset_dir)}, tmp_path / "out")
    assert run.returncode == 1
    assert "make build/lambda" in run.stderr


def test_synth_without_an_app_config_is_refused_and_says_how_to_name_one(
    tmp_path: Path, inputs: Inputs
) -> None:
    # Given no config in the context (a bare `cdk deploy`)
    # When app.py synthesizes, Then it builds no stack (none of the example app's) and says what to pass
    run = run_app({"lambda_asset": str(inputs.asset_dir)}, tmp_path / "out")
    assert run.returncode == 1
    assert "-c config=config/<app>.yaml" in run.stderr
    assert not list((tmp_path / "out").glob("*.template.json"))
