"""AWS rules that neither moto nor the local run can evaluate, stated from the AWS documentation and
checked against the template. Each would break the first real release while every local test passes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infrastructure.cfn import (
    as_list,
    every_policy_statement,
    function_by_module,
    of_type,
    permissions,
    render,
    role_of,
)
from tests.infrastructure.conftest import Synthesized

ROOT = Path(__file__).resolve().parents[2]


# -- CloudWatch API reference, DescribeAlarms: "To use this operation and return information about
# composite alarms, you must be signed on with the cloudwatch:DescribeAlarms permission that is
# scoped to *. You can't return information about composite alarms if your
# cloudwatch:DescribeAlarms permission has a narrower scope."


def test_every_role_that_reads_alarms_may_read_the_composite_release_health_alarms(
    synthesized: Synthesized,
) -> None:
    # Given the composite alarms the workflow watches (each colour's release health)
    resources = synthesized.resources
    config = synthesized.config
    watched = set(config.alarms.all_watched_names(config.app, config.environment))
    composites = {
        r["Properties"]["AlarmName"] for r in of_type(resources, "AWS::CloudWatch::CompositeAlarm").values()
    }
    assert composites
    assert composites <= watched

    # Then every role allowed DescribeAlarms at all is allowed it on '*', or it would read them as missing
    readers = {
        role_id: allowed["cloudwatch:DescribeAlarms"]
        for role_id in of_type(resources, "AWS::IAM::Role")
        if "cloudwatch:DescribeAlarms" in (allowed := permissions(resources, role_id))
    }
    assert readers, "nobody reads the alarms?"
    assert {role_id: {"*"} for role_id in readers} == readers


# -- Lambda developer guide, "Control access to Lambda function URLs": "Starting in October 2025,
# new function URLs will require both lambda:InvokeFunctionUrl and lambda:InvokeFunction
# permissions." The `lambda:InvokedViaFunctionUrl` condition key limits lambda:InvokeFunction to
# calls that come through a function URL.


def _approvers_statements(synthesized: Synthesized) -> list[dict[str, Any]]:
    (policy,) = [
        p["Properties"]
        for i, p in of_type(synthesized.resources, "AWS::IAM::ManagedPolicy").items()
        if i.startswith("ApprovalsApproversPolicy")
    ]
    return list(policy["PolicyDocument"]["Statement"])


def test_approvers_may_call_the_decide_url_with_both_permissions_and_no_direct_invoke(
    synthesized: Synthesized,
) -> None:
    decide_id, _ = function_by_module(synthesized.resources, "decide_approval")
    decide = f"<{decide_id}.Arn>"
    by_action = {a: s for s in _approvers_statements(synthesized) for a in as_list(s["Action"])}

    url = by_action["lambda:InvokeFunctionUrl"]
    assert render(url["Resource"]) == decide
    assert url["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}

    invoke = by_action["lambda:InvokeFunction"]
    assert render(invoke["Resource"]) == decide
    assert invoke["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}


def test_the_public_slack_url_carries_both_resource_permissions(synthesized: Synthesized) -> None:
    # Slack calls the URL unsigned: the function's resource policy must allow both actions to anyone,
    # InvokeFunction only through the URL.
    interactions_id, _ = function_by_module(synthesized.resources, "slack_interactions")
    granted = {
        p["Properties"]["Action"]: p["Properties"]
        for p in of_type(synthesized.resources, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [interactions_id, "Arn"]}
    }
    assert granted["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"] == "NONE"
    assert granted["lambda:InvokeFunction"]["InvokedViaFunctionUrl"] is True
    assert {p["Principal"] for p in granted.values()} == {"*"}


# -- Partitions (IAM user guide, "Identify AWS resources with Amazon Resource Names"): an ARN begins
# `arn:<partition>:`, and the partition is `aws`, `aws-cn` (China) or `aws-us-gov` (GovCloud). An ARN
# that spells `arn:aws:` matches nothing in the other partitions: the grant silently grants nothing.


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        if set(value) <= {"Ref", "Fn::GetAtt", "Fn::Join"}:
            yield render(value)
        else:
            for item in value.values():
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_arn_in_a_policy_names_the_stacks_partition(synthesized: Synthesized) -> None:
    resources = synthesized.resources
    documents = [statement for _, statement in every_policy_statement(resources)]
    documents += [k["Properties"]["KeyPolicy"] for k in of_type(resources, "AWS::KMS::Key").values()]
    documents += [e["Properties"] for e in of_type(resources, "AWS::EKS::AccessEntry").values()]
    arns = [s for s in _strings(documents) if s.startswith("arn:")]
    assert arns
    assert [a for a in arns if not a.startswith("arn:<AWS::Partition>:")] == []


@pytest.mark.parametrize("name", ["release.asl.json", "decision.asl.json"])
def test_service_integration_arns_in_the_definitions_name_the_stacks_partition(
    synthesized: Synthesized, name: str
) -> None:
    text = (ROOT / "statemachines" / name).read_text(encoding="utf-8")
    arns = re.findall(r'"(arn:[^"]*)"', text)
    assert arns
    assert [a for a in arns if not a.startswith("arn:${Partition}:")] == []
    machines = of_type(synthesized.resources, "AWS::StepFunctions::StateMachine").values()
    for machine in machines:
        assert machine["Properties"]["DefinitionSubstitutions"]["Partition"] == {"Ref": "AWS::Partition"}


def test_no_policy_in_the_template_hard_codes_the_commercial_partition(synthesized: Synthesized) -> None:
    assert '"arn:aws:' not in json.dumps(synthesized.resources)
    assert "arn:aws:" not in "".join(
        str(r["Properties"].get("DefinitionSubstitutions", ""))
        for r in of_type(synthesized.resources, "AWS::StepFunctions::StateMachine").values()
    )


def test_the_manifests_grant_is_the_one_bucket_in_the_stacks_partition(synthesized: Synthesized) -> None:
    _, deploy = function_by_module(synthesized.resources, "deploy")
    allowed = permissions(synthesized.resources, role_of(deploy))
    bucket = synthesized.config.manifests_bucket
    assert allowed["s3:GetObject"] == {f"arn:<AWS::Partition>:s3:::{bucket}/*"}
