"""The runbook's cluster and network prerequisites cover what the template makes the in-VPC functions
call: a service added to one of their roles without a route to it would time out on AWS alone."""

from __future__ import annotations

from pathlib import Path

from tests.infrastructure.cfn import of_type, permissions, role_of
from tests.infrastructure.conftest import Synthesized

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
ENDPOINT_NAME = {"cloudwatch": "monitoring"}
"""IAM prefix -> the VPC endpoint's service name, where they differ."""
USED_BY_THE_LAMBDA_SERVICE = {"logs", "xray", "ec2"}
"""Called by the Lambda service with the role (logs, traces, the function's ENIs), not from the VPC."""


def _section(title: str) -> str:
    text = RUNBOOK.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _name(handler: str) -> str:
    """`lambdas.check_rollout.handler` -> `CheckRollout`."""
    return "".join(part.capitalize() for part in handler.split(".")[1].split("_"))


def test_the_runbook_lists_every_in_vpc_function_and_a_route_to_every_service_it_calls(
    synthesized: Synthesized,
) -> None:
    section = _section("Cluster and network prerequisites")
    resources = synthesized.resources
    in_vpc = {
        logical_id: function
        for logical_id, function in of_type(resources, "AWS::Lambda::Function").items()
        if "VpcConfig" in function["Properties"]
    }
    assert in_vpc
    for function in in_vpc.values():
        assert _name(function["Properties"]["Handler"]) in section
        prefixes = {action.split(":")[0] for action in permissions(resources, role_of(function))}
        for prefix in sorted(prefixes - USED_BY_THE_LAMBDA_SERVICE):
            assert f"com.amazonaws.<region>.{ENDPOINT_NAME.get(prefix, prefix)}" in section, prefix
    assert "the cluster's API endpoint" in section  # what the Kubernetes client talks to
