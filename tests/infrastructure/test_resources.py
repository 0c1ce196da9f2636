"""The active-colour parameter, the tables, the cluster access entries and the gateway policies."""

from __future__ import annotations

import json

import pytest

from tests.infrastructure.cfn import function_by_module, of_type, one, release_state_machine, render, role_of
from tests.infrastructure.conftest import Synthesized


def test_active_color_is_created_once_and_never_rewritten_by_a_deploy(synthesized: Synthesized) -> None:
    # Given the custom resource that owns the parameter's creation
    config = synthesized.config
    _, resource = one(synthesized.resources, "Custom::ActiveColorParameter")
    properties = resource["Properties"]

    # Then create and update both call PutParameter without overwrite (an existing value stays) ...
    for event in ("Create", "Update"):
        call = json.loads(properties[event])
        assert call["action"] == "PutParameter"
        assert call["ignoreErrorCodesMatching"] == "ParameterAlreadyExists"
        assert call["parameters"] == {
            "Name": config.parameter_name,
            "Value": config.initial_color.value,
            "Type": "String",
            "AllowedPattern": "^(blue|green)$",
            "Overwrite": False,
            "Description": call["parameters"]["Description"],
        }
    # ... deleting the stack leaves the parameter (and the traffic) alone ...
    assert "Delete" not in properties
    # ... and CloudFormation never holds the value itself
    assert of_type(synthesized.resources, "AWS::SSM::Parameter") == {}


def test_active_color_provider_may_only_create_that_parameter(synthesized: Synthesized) -> None:
    resources = synthesized.resources
    config = synthesized.config
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for i, p in of_type(resources, "AWS::IAM::Policy").items()
        if "CustomResourcePolicy" in i
    ]
    assert len(policies) == 1
    (statement,) = policies[0]
    assert statement["Action"] == "ssm:PutParameter"
    assert render(statement["Resource"]) == (
        f"arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter{config.parameter_name}"
    )


@pytest.mark.parametrize(("key", "ttl"), [("pk", "expires_at"), ("gateway_id", None)])
def test_tables_are_retained_with_point_in_time_recovery(
    synthesized: Synthesized, key: str, ttl: str | None
) -> None:
    tables = [
        t
        for t in of_type(synthesized.resources, "AWS::DynamoDB::Table").values()
        if t["Properties"]["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]
    ]
    assert len(tables) == 1
    table = tables[0]
    properties = table["Properties"]
    assert {"AttributeName": key, "AttributeType": "S"} in properties["AttributeDefinitions"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    if ttl is None:
        assert "TimeToLiveSpecification" not in properties
    else:
        assert properties["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}


ACCESS = {
    "deploy": "AmazonEKSEditPolicy",
    "check_rollout": "AmazonEKSViewPolicy",
    "request_approval": "AmazonEKSViewPolicy",
    "decide_approval": "AmazonEKSViewPolicy",
    "slack_interactions": "AmazonEKSViewPolicy",
    "pre_switch_checks": "AmazonEKSViewPolicy",
    "alarm_rollback": "AmazonEKSViewPolicy",  # reads the old colour before rolling back
    "scale_down": "AmazonEKSEditPolicy",  # scales the old colour to 0 after the rollback window
}


def test_cluster_access_entries_are_scoped_to_the_two_namespaces(synthesized: Synthesized) -> None:
    # Given every access entry, by the role it maps
    config = synthesized.config
    entries = {
        e["Properties"]["PrincipalArn"]["Fn::GetAtt"][0]: e["Properties"]
        for e in of_type(synthesized.resources, "AWS::EKS::AccessEntry").values()
    }
    expected_roles = {role_of(function_by_module(synthesized.resources, m)[1]): m for m in ACCESS}

    # Then exactly the functions that talk to the cluster have one ...
    assert set(entries) == set(expected_roles)
    for role_id, module in expected_roles.items():
        entry = entries[role_id]
        assert entry["ClusterName"] == config.cluster.name
        assert entry["Type"] == "STANDARD"
        assert "KubernetesGroups" not in entry
        # ... with one policy (edit for Deploy, view for the others), in blue and green only
        (policy,) = entry["AccessPolicies"]
        assert (
            render(policy["PolicyArn"])
            == f"arn:<AWS::Partition>:eks::aws:cluster-access-policy/{ACCESS[module]}"
        )
        assert policy["AccessScope"] == {
            "Type": "namespace",
            "Namespaces": [config.namespaces.blue, config.namespaces.green],
        }


def test_each_gateway_reads_the_parameter_and_writes_only_its_own_ack(synthesized: Synthesized) -> None:
    # Given the gateway policies, by gateway id (from the description) and the acks table
    config = synthesized.config
    resources = synthesized.resources
    acks_id = next(
        i
        for i, t in of_type(resources, "AWS::DynamoDB::Table").items()
        if t["Properties"]["KeySchema"][0]["AttributeName"] == "gateway_id"
    )
    policies = {
        i: p
        for i, p in of_type(resources, "AWS::IAM::ManagedPolicy").items()
        if not i.startswith("Approvals")
    }
    assert len(policies) == len(config.gateways.ids)
    parameter_arn = (
        f"arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter{config.parameter_name}"
    )

    for gateway_id in config.gateways.ids:
        (policy,) = [
            p for p in policies.values() if f"gateway {gateway_id}:" in p["Properties"]["Description"]
        ]
        read, write = policy["Properties"]["PolicyDocument"]["Statement"]
        # Then it may read the one parameter ...
        assert read["Action"] == "ssm:GetParameter"
        assert render(read["Resource"]) == parameter_arn
        # ... and write only the ack item whose partition key is its own id
        assert set(write["Action"]) == {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"}
        assert write["Resource"] == {"Fn::GetAtt": [acks_id, "Arn"]}
        assert write["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [gateway_id]}}


def test_outputs_name_what_operators_and_gateways_need(synthesized: Synthesized) -> None:
    outputs = synthesized.outputs
    resources = synthesized.resources
    state_machine_id, _ = release_state_machine(resources)
    decide_id, _ = function_by_module(resources, "decide_approval")
    assert outputs["StateMachineArn"]["Value"] == {"Ref": state_machine_id}
    assert outputs["DecideApprovalFunctionName"]["Value"] == {"Ref": decide_id}
    assert outputs["ActiveColorParameterName"]["Value"] == synthesized.config.parameter_name
    assert {"ReleasesTableName", "AcksTableName"} <= outputs.keys()
    gateway_outputs = {k: v for k, v in outputs.items() if k.startswith("GatewayPolicyArn")}
    assert len(gateway_outputs) == len(synthesized.config.gateways.ids)
    assert all(
        resources[v["Value"]["Ref"]]["Type"] == "AWS::IAM::ManagedPolicy" for v in gateway_outputs.values()
    )


def test_release_history_is_a_query_on_an_index_not_a_scan(synthesized: Synthesized) -> None:
    # The release records of an app/environment, newest first: `bluegreen history` Queries this index
    (releases,) = [
        t["Properties"]
        for t in of_type(synthesized.resources, "AWS::DynamoDB::Table").values()
        if t["Properties"]["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    ]
    assert releases["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "History",
            "KeySchema": [
                {"AttributeName": "history_key", "KeyType": "HASH"},
                {"AttributeName": "created_at", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
