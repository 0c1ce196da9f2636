"""Read a synthesized CloudFormation template the way a reviewer does: who may do what, on what.

Intrinsics are rendered as text in cdk-nag's notation (`<Logical.Attr>`, `<AWS::Region>`), so
an expected ARN is a readable string in the test, not a nested Fn::Join.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

Resources = dict[str, dict[str, Any]]


def render(value: Any) -> str:
    """An intrinsic (or plain string) as text: Ref -> `<X>`, GetAtt -> `<X.Attr>`, Join -> concatenation."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(render(part) for part in parts)
    raise AssertionError(f"cannot render {value!r}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def of_type(resources: Resources, resource_type: str) -> Resources:
    return {logical_id: r for logical_id, r in resources.items() if r["Type"] == resource_type}


def one(resources: Resources, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = of_type(resources, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


def release_state_machine(resources: Resources) -> tuple[str, dict[str, Any]]:
    """The release workflow (the console's decision workflow is the stack's other state machine)."""
    found = {
        i: r
        for i, r in of_type(resources, "AWS::StepFunctions::StateMachine").items()
        if i.startswith("Workflow")
    }
    assert len(found) == 1, f"expected one release state machine, found {sorted(found)}"
    return next(iter(found.items()))


def function_by_module(resources: Resources, module: str) -> tuple[str, dict[str, Any]]:
    """The Lambda whose handler is `lambdas.<module>.handler`."""
    handler = f"lambdas.{module}.handler"
    found = [
        (logical_id, r)
        for logical_id, r in of_type(resources, "AWS::Lambda::Function").items()
        if r["Properties"].get("Handler") == handler
    ]
    assert len(found) == 1, f"expected one function with handler {handler}, found {len(found)}"
    return found[0]


def role_of(function: dict[str, Any]) -> str:
    """The logical id of a function's execution role."""
    role = function["Properties"]["Role"]
    return str(role["Fn::GetAtt"][0])


def statements_of_role(resources: Resources, role_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(policy logical id, statement) for every inline policy attached to `role_id`."""
    for policy_id, policy in of_type(resources, "AWS::IAM::Policy").items():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                yield policy_id, statement


def permissions(resources: Resources, role_id: str) -> dict[str, set[str]]:
    """action -> the resources (rendered) it is allowed on, for one role. Allow statements only."""
    allowed: dict[str, set[str]] = defaultdict(set)
    for _, statement in statements_of_role(resources, role_id):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            allowed[action].update(render(r) for r in as_list(statement["Resource"]))
    return dict(allowed)


def every_policy_statement(resources: Resources) -> Iterator[tuple[str, dict[str, Any]]]:
    """Statements of every inline and managed policy in the template (not key policies)."""
    for policy_id, policy in resources.items():
        if policy["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                yield policy_id, statement
