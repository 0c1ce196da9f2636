"""The suite model: a bad suite is refused when the config loads, naming the bad field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bluegreen.config import load_config
from bluegreen.errors import ConfigError
from bluegreen.smoke.assertions import Operator
from bluegreen.smoke.model import SmokeSuite

REPO = Path(__file__).resolve().parents[2]

SUITE: dict[str, Any] = {
    "secrets": {"password": {"name": "app/smoke-user", "key": "password"}},
    "scenarios": [
        {
            "name": "profile",
            "steps": [
                {
                    "name": "login",
                    "method": "POST",
                    "path": "/login",
                    "body": {"password": "{{ secrets.password }}"},
                    "expect": {"status": 200},
                    "capture": {"token": "$.token", "user_id": "$.user.id"},
                },
                {
                    "name": "profile",
                    "method": "GET",
                    "path": "/users/{{ vars.user_id }}",
                    "headers": {"Authorization": "Bearer {{ vars.token }}"},
                    "expect": {"status": 200, "body": [{"path": "$.id", "equals": "{{ vars.user_id }}"}]},
                },
            ],
        },
        {
            "name": "health",
            "steps": [{"name": "health", "method": "GET", "path": "/health", "expect": {"status": 200}}],
        },
    ],
}


def suite_with(path: list[str | int], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(SUITE)
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        SmokeSuite.model_validate(data)
    return [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in caught.value.errors()]


def test_a_valid_suite_parses() -> None:
    suite = SmokeSuite.model_validate(SUITE)

    assert suite.scenarios[0].steps[1].expect.body[0].operator is Operator.EQUALS
    assert suite.budget_ms(suite.scenarios[0].steps[0]) == 2000
    assert suite.retry.attempts == 3


def test_a_dumped_suite_validates_again() -> None:
    suite = SmokeSuite.model_validate(SUITE)

    assert SmokeSuite.model_validate(suite.model_dump(mode="json")) == suite


@pytest.mark.parametrize(
    ("path", "value", "where", "message"),
    [
        (
            ["scenarios", 1, "steps", 0, "expect", "status"],
            999,
            "scenarios.1.steps.0.expect.status",
            "less than",
        ),
        (["scenarios", 1, "steps", 0, "method"], "FETCH", "scenarios.1.steps.0.method", "Input should be"),
        (["scenarios", 1, "steps", 0, "path"], "health", "scenarios.1.steps.0.path", "pattern"),
        (
            ["scenarios", 1, "steps", 0, "expect", "bodyy"],
            [],
            "scenarios.1.steps.0.expect.bodyy",
            "Extra inputs",
        ),
        (
            ["scenarios", 0, "steps", 1, "expect", "body", 0, "path"],
            "$.a[",
            "scenarios.0.steps.1.expect.body.0.path",
            "invalid JSONPath '$.a['",
        ),
        (
            ["scenarios", 0, "steps", 1, "expect", "body", 0, "path"],
            "id",
            "scenarios.0.steps.1.expect.body.0.path",
            "must start with '$'",
        ),
        (
            ["scenarios", 0, "steps", 1, "expect", "body", 0],
            {"path": "$.id", "matches": "(unclosed"},
            "scenarios.0.steps.1.expect.body.0.matches",
            "invalid regular expression",
        ),
        (
            ["scenarios", 0, "steps", 1, "expect", "body", 0],
            {"path": "$.id", "equals": 1, "exists": True},
            "scenarios.0.steps.1.expect.body.0",
            "give exactly one of equals, exists, matches, one_of (found: equals, exists)",
        ),
        (
            ["scenarios", 0, "steps", 1, "headers"],
            {"Authorization": "Bearer {{ token }}"},
            "scenarios.0.steps.1.headers.Authorization",
            "bad placeholder",
        ),
        (
            ["scenarios", 0, "steps", 0, "body"],
            {"password": "{{ secrets.password }"},
            "scenarios.0.steps.0.body",
            "unbalanced",
        ),
        (
            ["scenarios", 0, "steps", 0, "capture"],
            {"1token": "$.t"},
            "scenarios.0.steps.0.capture.1token.[key]",
            "",
        ),
        (["secrets", "password", "name"], "bad name!", "secrets.password.name", "pattern"),
    ],
)
def test_a_bad_field_is_named_by_its_path(
    path: list[str | int], value: Any, where: str, message: str
) -> None:
    found = problems(suite_with(path, value))

    assert any(loc == where and message in msg for loc, msg in found), found


@pytest.mark.parametrize(
    ("path", "value", "where", "message"),
    [
        (
            ["scenarios", 0, "steps", 1, "headers"],
            {"Authorization": "Bearer {{ vars.tokn }}"},
            "scenarios.0",
            "steps.1.headers.Authorization: {{ vars.tokn }} is not captured by an earlier step",
        ),
        (
            ["scenarios", 0, "steps", 0, "body"],
            {"password": "{{ secrets.pasword }}"},
            "",
            "scenarios.0.steps.0.body.password: secret alias 'pasword' is not declared under secrets",
        ),
        (
            ["scenarios", 0, "steps", 1, "path"],
            "/users/{{ vars.token }}",
            "",
            "scenarios.0.steps.1.path: {{ vars.token }} is sensitive and must not be put in a URL path",
        ),
        (
            ["scenarios", 0, "steps", 1, "path"],
            "/users/{{ secrets.password }}",
            "",
            "scenarios.0.steps.1.path: {{ secrets.password }} is sensitive",
        ),
        (["scenarios", 1, "name"], "profile", "", "scenarios.1.name: scenario 'profile' appears twice"),
    ],
)
def test_a_bad_reference_names_the_step_and_field(
    path: list[str | int], value: Any, where: str, message: str
) -> None:
    found = problems(suite_with(path, value))

    assert any(loc == where and message in msg for loc, msg in found), found


def test_a_bad_suite_in_the_app_config_fails_load_config_with_its_dotted_path(tmp_path: Path) -> None:
    # Given myapp's config with one expected status out of range
    # (a JSON round trip unshares the YAML anchors, so that only one step changes)
    data = json.loads(json.dumps(yaml.safe_load((REPO / "config" / "myapp.yaml").read_text())))
    data["smoke"]["suite"]["scenarios"][1]["steps"][0]["expect"]["status"] = 2000
    path = tmp_path / "myapp.yaml"
    path.write_text(yaml.safe_dump(data))

    # When it loads, then the error names the file and the dotted path of the field
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.source == str(path)
    assert [field for field, _ in caught.value.problems] == ["smoke.suite.scenarios.1.steps.0.expect.status"]
    assert "smoke.suite.scenarios.1.steps.0.expect.status: Input should be less than or equal to 599" in str(
        caught.value
    )


def test_the_deadline_must_stay_below_the_lambda_timeout(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "config" / "myapp.yaml").read_text())
    data["smoke"]["deadline_seconds"] = 900
    path = tmp_path / "myapp.yaml"
    path.write_text(yaml.safe_dump(data))

    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [field for field, _ in caught.value.problems] == ["smoke.deadline_seconds"]


def test_myapps_default_suite_covers_login_profile_both_cards_and_a_decline() -> None:
    config = load_config(REPO / "config" / "myapp.yaml")

    suite = config.smoke.suite
    assert suite is not None
    assert config.smoke.deadline_seconds <= 240
    assert {s.name: [step.name for step in s.steps] for s in suite.scenarios} == {
        "login-and-profile": ["login", "read-profile"],
        "bill-mastercard": ["login", "pay-utility-bill"],
        "bill-visa": ["login", "pay-utility-bill"],
        "declined-card": ["login", "pay-with-declined-card"],
    }
    assert {ref.name for ref in suite.secrets.values()} == {
        "myapp/prod/smoke-test-user",
        "myapp/prod/smoke-test-cards",
    }
