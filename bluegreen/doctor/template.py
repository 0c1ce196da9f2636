"""What the deployed stack's template says the cluster must grant: its EKS access entries.

Read from the template CloudFormation holds (GetTemplate), so doctor checks what was deployed, not
what this checkout would synthesize. Principals are `Fn::GetAtt [<role>, Arn]` of the stack's own
roles; policy ARNs are `Fn::Join`s over the partition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ACCESS_ENTRY = "AWS::EKS::AccessEntry"
FUNCTION = "AWS::Lambda::Function"
POLICY_MARKER = "cluster-access-policy/"


@dataclass(frozen=True)
class ExpectedPolicy:
    name: str  # e.g. AmazonEKSEditPolicy
    scope: str  # "namespace" or "cluster"
    namespaces: tuple[str, ...]


@dataclass(frozen=True)
class ExpectedAccess:
    """One access entry of the stack: whose role, which cluster, which policies."""

    logical_id: str
    cluster_name: str
    role_logical_id: str | None  # the stack's role, or None for a principal ARN given as text
    principal_arn: str | None
    function_logical_id: str | None
    policies: tuple[ExpectedPolicy, ...]


def parse_template(body: Any) -> dict[str, Any]:
    """GetTemplate's TemplateBody: boto3 decodes a JSON template to a dict; YAML stays text."""
    if isinstance(body, dict):
        return body
    parsed = json.loads(body)
    if not isinstance(parsed, dict):
        raise ValueError("the stack's template is not a JSON object")
    return parsed


def _role_ref(value: Any) -> tuple[str | None, str | None]:
    """(role logical id, literal ARN) of a PrincipalArn / Role property."""
    if isinstance(value, str):
        return None, value
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        parts = target.split(".", 1) if isinstance(target, str) else list(target)
        if len(parts) == 2 and parts[1] == "Arn":
            return str(parts[0]), None
    return None, None


def _flatten(value: Any) -> str:
    """The literal text of a string or of an `Fn::Join` (other intrinsics contribute nothing)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_flatten(part) for part in parts)
    return ""


def _policy(entry: Any) -> ExpectedPolicy:
    arn = _flatten(entry.get("PolicyArn"))
    name = arn.split(POLICY_MARKER, 1)[1] if POLICY_MARKER in arn else arn
    scope = entry.get("AccessScope") or {}
    return ExpectedPolicy(
        name=name,
        scope=str(scope.get("Type", "")),
        namespaces=tuple(str(n) for n in scope.get("Namespaces") or ()),
    )


def expected_access_entries(template: dict[str, Any]) -> list[ExpectedAccess]:
    resources: dict[str, Any] = template.get("Resources") or {}
    functions_by_role = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") == FUNCTION:
            role, _ = _role_ref((resource.get("Properties") or {}).get("Role"))
            if role is not None:
                functions_by_role[role] = logical_id
    expected = []
    for logical_id, resource in sorted(resources.items()):
        if resource.get("Type") != ACCESS_ENTRY:
            continue
        properties = resource.get("Properties") or {}
        role, literal = _role_ref(properties.get("PrincipalArn"))
        expected.append(
            ExpectedAccess(
                logical_id=logical_id,
                cluster_name=str(properties.get("ClusterName", "")),
                role_logical_id=role,
                principal_arn=literal,
                function_logical_id=functions_by_role.get(role) if role else None,
                policies=tuple(_policy(p) for p in properties.get("AccessPolicies") or ()),
            )
        )
    return expected


def function_logical_ids(template: dict[str, Any]) -> list[str]:
    resources: dict[str, Any] = template.get("Resources") or {}
    return sorted(k for k, v in resources.items() if v.get("Type") == FUNCTION)
