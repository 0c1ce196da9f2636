"""The import rules of docs/architecture.md, checked on the source (every import, also the ones inside
functions): no cycle, and each layer imports only what is below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bluegreen", "lambdas", "stacks")


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in known}


GRAPH = {name: imports_of(path, name, set(modules())) for name, path in modules().items()}


def cycles() -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    assert cycles() == []


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        (
            "bluegreen.adapters",
            ("bluegreen.release", "bluegreen.cli", "bluegreen.local", "lambdas", "stacks"),
        ),
        ("bluegreen.release", ("bluegreen.cli", "bluegreen.local", "lambdas", "stacks")),
        ("bluegreen.metrics", ("bluegreen.release", "bluegreen.cli", "bluegreen.local", "lambdas", "stacks")),
        (
            "bluegreen.records",
            ("bluegreen.release", "bluegreen.adapters", "bluegreen.cli", "bluegreen.local"),
        ),
        ("bluegreen.models", ("bluegreen.release", "bluegreen.adapters", "bluegreen.cli", "bluegreen.local")),
        (
            "bluegreen.gateway",
            ("bluegreen.release", "bluegreen.adapters", "bluegreen.cli", "bluegreen.local"),
        ),
        ("lambdas", ("bluegreen.cli", "bluegreen.local", "stacks")),
        ("bluegreen.doctor", ("bluegreen.cli", "bluegreen.local", "lambdas", "stacks")),
    ],
)
def test_each_layer_imports_only_what_is_below_it(layer: str, forbidden: tuple[str, ...]) -> None:
    offending = {
        (module, target)
        for module, targets in GRAPH.items()
        if module == layer or module.startswith(layer + ".")
        for target in targets
        if any(target == f or target.startswith(f + ".") for f in forbidden)
    }
    assert offending == set()
