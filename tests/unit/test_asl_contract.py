"""The state machine definition and the Python code agree: error names, functions, step data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from bluegreen import errors
from bluegreen.local.workflow import HANDLERS, load_definition

ROOT = Path(__file__).resolve().parents[2]
ASL = ROOT / "statemachines" / "release.asl.json"


def states() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ASL.read_text(encoding="utf-8"))["States"]
    return data


def test_committed_definition_matches_its_generator() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_asl.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_error_the_definition_matches_is_raised_by_the_code() -> None:
    domain = errors.workflow_error_names()
    matched = {
        name
        for state in states().values()
        for rule in state.get("Retry", []) + state.get("Catch", [])
        for name in rule["ErrorEquals"]
    }
    ours = {
        name
        for name in matched
        if name.endswith("Error") and not name.startswith(("Lambda.", "States.", "Runtime.", "Sandbox."))
    }
    assert ours <= domain


def test_retries_match_exactly_the_transient_errors_never_a_decision() -> None:
    # Third-party class names (ClientError, ApiException, ...) never reach the workflow: the
    # handlers classify them (bluegreen/adapters/failures.py) into TransientError or DependencyError.
    decisions = errors.workflow_error_names() - {"TransientError"}
    for name, state in states().items():
        for rule in state.get("Retry", []):
            assert not set(rule["ErrorEquals"]) & decisions, name
            assert not {"ClientError", "ApiException", "States.ALL", "States.Timeout"} & set(
                rule["ErrorEquals"]
            )
            assert rule["JitterStrategy"] == "FULL"
            assert rule["BackoffRate"] > 1
        if state["Type"] == "Task":
            retried = {n for rule in state["Retry"] for n in rule["ErrorEquals"]}
            assert "TransientError" in retried, name


def test_every_function_placeholder_has_a_handler_module() -> None:
    placeholders = set(re.findall(r"\$\{(\w+)FunctionArn\}", ASL.read_text(encoding="utf-8")))
    assert placeholders <= set(HANDLERS)
    assert "${" not in load_definition()
    for module in HANDLERS.values():
        assert (ROOT / (module.replace(".", "/") + ".py")).exists(), module


def test_every_lambda_task_retries_transient_errors_and_catches_the_rest() -> None:
    for name, state in states().items():
        if state["Type"] == "Task":
            assert state.get("Retry"), name
            assert any("States.ALL" in c["ErrorEquals"] for c in state.get("Catch", [])), name


def test_every_path_reaches_a_terminal_state_and_no_state_is_orphaned() -> None:
    graph = states()
    reachable: set[str] = set()
    todo = ["Init"]
    while todo:
        name = todo.pop()
        if name in reachable:
            continue
        reachable.add(name)
        state = graph[name]
        nexts = [state.get("Next"), state.get("Default")]
        nexts += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
        todo += [n for n in nexts if n]
    assert reachable == set(graph)
