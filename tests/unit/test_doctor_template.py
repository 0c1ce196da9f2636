"""Reading the access entries doctor must find from a deployed template (as GetTemplate returns it)."""

from __future__ import annotations

import json

import pytest

from bluegreen.doctor.template import ExpectedPolicy, expected_access_entries, parse_template

TEMPLATE = {
    "Resources": {
        "DeployRoleA1": {"Type": "AWS::IAM::Role", "Properties": {}},
        "DeployFn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Role": {"Fn::GetAtt": ["DeployRoleA1", "Arn"]}},
        },
        "DeployEntry": {
            "Type": "AWS::EKS::AccessEntry",
            "Properties": {
                "ClusterName": "myapp-prod",
                "PrincipalArn": {"Fn::GetAtt": ["DeployRoleA1", "Arn"]},
                "AccessPolicies": [
                    {
                        "PolicyArn": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:",
                                    {"Ref": "AWS::Partition"},
                                    ":eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                                ],
                            ]
                        },
                        "AccessScope": {"Type": "namespace", "Namespaces": ["blue", "green"]},
                    }
                ],
            },
        },
        "OpsEntry": {
            "Type": "AWS::EKS::AccessEntry",
            "Properties": {
                "ClusterName": "myapp-prod",
                "PrincipalArn": "arn:aws:iam::123456789012:role/ops",
                "AccessPolicies": [
                    {
                        "PolicyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                        "AccessScope": {"Type": "cluster"},
                    }
                ],
            },
        },
    }
}


def test_access_entries_with_their_roles_functions_and_policies() -> None:
    deploy, ops = expected_access_entries(TEMPLATE)
    assert deploy.logical_id == "DeployEntry"
    assert deploy.role_logical_id == "DeployRoleA1"
    assert deploy.function_logical_id == "DeployFn"
    assert deploy.policies == (ExpectedPolicy("AmazonEKSEditPolicy", "namespace", ("blue", "green")),)
    assert ops.principal_arn == "arn:aws:iam::123456789012:role/ops"
    assert ops.role_logical_id is None
    assert ops.policies == (ExpectedPolicy("AmazonEKSViewPolicy", "cluster", ()),)


def test_the_short_getatt_form_names_the_role_too() -> None:
    template = json.loads(json.dumps(TEMPLATE))
    template["Resources"]["DeployEntry"]["Properties"]["PrincipalArn"] = {"Fn::GetAtt": "DeployRoleA1.Arn"}
    assert expected_access_entries(template)[0].role_logical_id == "DeployRoleA1"


def test_template_body_as_text_or_as_decoded_json() -> None:
    assert parse_template(json.dumps(TEMPLATE)) == TEMPLATE
    assert parse_template(TEMPLATE) is TEMPLATE
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_template("[]")
