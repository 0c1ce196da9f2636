"""Each release Lambda: its own role, exactly the permissions it needs, on exactly its resources."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infrastructure.cfn import (
    as_list,
    every_policy_statement,
    function_by_module,
    of_type,
    permissions,
    release_state_machine,
    render,
    role_of,
    statements_of_role,
)
from tests.infrastructure.conftest import Synthesized

PARTITION_REGION_ACCOUNT = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>"
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
ENI = {
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
}
ANY_RESOURCE_ALLOWED = {
    # No resource-level permissions exist for these (see stacks/nag.py for each reason).
    *XRAY,
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    # DescribeAlarms returns composite alarms only to a caller allowed on '*' (test_aws_rules.py)
    "cloudwatch:DescribeAlarms",
}
VPC_MODULES = {
    "deploy",
    "check_rollout",
    "smoke_tests",
    "request_approval",
    "decide_approval",
    "slack_interactions",
    "pre_switch_checks",
}


def arn(service: str, rest: str) -> str:
    return f"{PARTITION_REGION_ACCOUNT.format(service=service)}:{rest}"


class Names:
    """Rendered ARNs of the stack's resources, as they appear in policies."""

    def __init__(self, synthesized: Synthesized) -> None:
        resources = synthesized.resources
        config = synthesized.config
        tables = of_type(resources, "AWS::DynamoDB::Table")
        self.releases = next(
            f"<{i}.Arn>"
            for i, t in tables.items()
            if t["Properties"]["KeySchema"][0]["AttributeName"] == "pk"
        )
        self.acks = next(
            f"<{i}.Arn>"
            for i, t in tables.items()
            if t["Properties"]["KeySchema"][0]["AttributeName"] == "gateway_id"
        )
        self.parameter = arn("ssm", f"parameter{config.parameter_name}")
        self.cluster = arn("eks", f"cluster/{config.cluster.name}")
        self.alarms = {"*"}  # composite alarms are described only on '*' (test_aws_rules.py)
        state_machine_id, _ = release_state_machine(resources)
        self.state_machine = f"<{state_machine_id}>"
        self.executions = arn("states", f"execution:<{state_machine_id}.Name>:*")
        self.decision_executions = arn(
            "states", f"execution:bluegreen-{config.app}-{config.environment}-decision:*"
        )
        approvals = config.approvals
        self.bot_token = {arn("secretsmanager", f"secret:{approvals.slack_bot_token_secret}-??????")}
        self.signing_secret = arn("secretsmanager", f"secret:{approvals.slack_signing_secret_secret}-??????")
        self.secrets = {
            arn("secretsmanager", f"secret:{ref.name}-??????")
            for ref in (config.smoke.suite.secrets.values() if config.smoke.suite else [])
        }


@pytest.fixture(scope="module")
def names(synthesized: Synthesized) -> Names:
    return Names(synthesized)


def expected_permissions(module: str, n: Names) -> dict[str, set[str]]:
    """The brief, per function: what it may do beyond logs, X-Ray and (in a VPC) its ENIs."""
    releases = n.releases
    # update_record reads the record back when a conditional write fails
    record_updates = {"dynamodb:GetItem": {releases}, "dynamodb:UpdateItem": {releases}}
    table: dict[str, dict[str, set[str]]] = {
        "prepare": {
            **{f"dynamodb:{a}": {releases} for a in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")},
            "ssm:GetParameter": {n.parameter},
            "states:DescribeExecution": {n.executions},
            "cloudwatch:DescribeAlarms": n.alarms,
            "dynamodb:Scan": {n.acks},  # a stale lock taken over: where that release left traffic
            "secretsmanager:GetSecretValue": n.bot_token,
        },
        "deploy": {
            "eks:DescribeCluster": {n.cluster},
            **record_updates,
            # the release manifests: the one bucket from config, read only
            "s3:GetObject": {"arn:<AWS::Partition>:s3:::myapp-release-artifacts/*"},
        },
        "check_rollout": {"eks:DescribeCluster": {n.cluster}, **record_updates},
        "smoke_tests": {
            **record_updates,
            **({"secretsmanager:GetSecretValue": n.secrets} if n.secrets else {}),
        },
        "request_approval": {
            "eks:DescribeCluster": {n.cluster},
            **{f"dynamodb:{a}": {releases} for a in ("GetItem", "PutItem", "UpdateItem")},
            "cloudwatch:DescribeAlarms": n.alarms,
            "secretsmanager:GetSecretValue": n.bot_token,
        },
        "decide_approval": {
            "eks:DescribeCluster": {n.cluster},
            **{f"dynamodb:{a}": {releases} for a in ("GetItem", "UpdateItem", "DeleteItem")},
            "states:SendTaskSuccess": {n.state_machine},
            "states:SendTaskFailure": {n.state_machine},
            # proof that a console decision comes from the decision workflow's own execution
            "states:DescribeExecution": {n.decision_executions},
            "cloudwatch:DescribeAlarms": n.alarms,
            "secretsmanager:GetSecretValue": n.bot_token,
        },
        "start_release": {
            # the evidence of who started it (TRIGGER#<release id>), then the one StartExecution
            "dynamodb:UpdateItem": {releases},
            "states:StartExecution": {n.state_machine},
        },
        "slack_interactions": {
            "eks:DescribeCluster": {n.cluster},
            **{f"dynamodb:{a}": {releases} for a in ("GetItem", "UpdateItem", "DeleteItem")},
            "states:SendTaskSuccess": {n.state_machine},
            "states:SendTaskFailure": {n.state_machine},
            "cloudwatch:DescribeAlarms": n.alarms,
            "secretsmanager:GetSecretValue": {*n.bot_token, n.signing_secret},
        },
        "pre_switch_checks": {
            "eks:DescribeCluster": {n.cluster},
            "cloudwatch:DescribeAlarms": n.alarms,
            "ssm:GetParameter": {n.parameter},
            **record_updates,
        },
        "switch": {
            "ssm:GetParameter": {n.parameter},
            "ssm:PutParameter": {n.parameter},
            **record_updates,  # GetItem also finds the release's Slack thread
            "secretsmanager:GetSecretValue": n.bot_token,
        },
        "confirm_gateways": {"dynamodb:Scan": {n.acks}, **record_updates},
        "check_bake": {"cloudwatch:DescribeAlarms": n.alarms, **record_updates},
        "rollback": {
            "ssm:GetParameter": {n.parameter},
            "ssm:PutParameter": {n.parameter},
            **record_updates,  # GetItem also finds the release's Slack thread
            "secretsmanager:GetSecretValue": n.bot_token,
        },
        # The ways out that may find traffic elsewhere read the parameter and the gateways' acks.
        "finish": {
            # PutItem: a record deleted during the release is written again
            **{f"dynamodb:{a}": {releases} for a in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")},
            "secretsmanager:GetSecretValue": n.bot_token,
        },
        "record_failure": {
            # PutItem: a release refused before Prepare wrote its record gets one
            **{f"dynamodb:{a}": {releases} for a in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")},
            "dynamodb:Scan": {n.acks},
            "ssm:GetParameter": {n.parameter},
            "secretsmanager:GetSecretValue": n.bot_token,
        },
        "sample_traffic": {"ssm:GetParameter": {n.parameter}, "dynamodb:Scan": {n.acks}},
        "execution_ended": {
            # PutItem and DescribeExecution: a deleted record is restored from the execution's input
            **{f"dynamodb:{a}": {releases} for a in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")},
            "states:DescribeExecution": {n.executions},
            "dynamodb:Scan": {n.acks},
            "ssm:GetParameter": {n.parameter},
            "secretsmanager:GetSecretValue": n.bot_token,
        },
    }
    return table[module]


MODULES = sorted(
    [
        "prepare",
        "deploy",
        "check_rollout",
        "smoke_tests",
        "request_approval",
        "decide_approval",
        "start_release",
        "slack_interactions",
        "pre_switch_checks",
        "switch",
        "confirm_gateways",
        "check_bake",
        "rollback",
        "finish",
        "record_failure",
        "execution_ended",
        "sample_traffic",
    ]
)


@pytest.mark.parametrize("module", MODULES)
def test_function_role_allows_exactly_what_the_function_needs(
    synthesized: Synthesized, names: Names, module: str
) -> None:
    # Given the function and its role
    resources = synthesized.resources
    _, function = function_by_module(resources, module)
    allowed = permissions(resources, role_of(function))

    # When the plumbing every function has is set aside
    log_group = render(function["Properties"]["LoggingConfig"]["LogGroup"]).strip("<>")
    for action in LOGS:
        assert allowed.pop(action) == {f"<{log_group}.Arn>"}, "logs only to its own log group"
    for action in XRAY:
        assert allowed.pop(action) == {"*"}
    eni = {action: allowed.pop(action) for action in ENI if action in allowed}

    # Then what remains is exactly the brief's list, on exactly those resources
    assert allowed == expected_permissions(module, names)
    assert bool(eni) == (module in VPC_MODULES)


def test_every_function_has_its_own_role(synthesized: Synthesized) -> None:
    roles = [role_of(function_by_module(synthesized.resources, m)[1]) for m in MODULES]
    assert len(set(roles)) == len(MODULES)


@pytest.mark.parametrize("module", sorted(VPC_MODULES))
def test_vpc_functions_attach_to_the_cluster_subnets_and_may_create_enis_only_there(
    synthesized: Synthesized, module: str
) -> None:
    cluster = synthesized.config.cluster
    _, function = function_by_module(synthesized.resources, module)
    vpc = function["Properties"]["VpcConfig"]
    assert vpc["SubnetIds"] == cluster.subnet_ids
    assert vpc["SecurityGroupIds"] == cluster.security_group_ids
    create = permissions(synthesized.resources, role_of(function))["ec2:CreateNetworkInterface"]
    assert create == {
        arn("ec2", "network-interface/*"),
        *(arn("ec2", f"subnet/{s}") for s in cluster.subnet_ids),
        *(arn("ec2", f"security-group/{g}") for g in cluster.security_group_ids),
    }


def test_only_the_documented_actions_have_a_wildcard_resource(synthesized: Synthesized) -> None:
    offenders = [
        (policy_id, statement["Action"])
        for policy_id, statement in every_policy_statement(synthesized.resources)
        if "*" in as_list(statement["Resource"])
        and not set(as_list(statement["Action"])) <= ANY_RESOURCE_ALLOWED
    ]
    assert offenders == []


def test_no_action_is_a_wildcard(synthesized: Synthesized) -> None:
    actions = {a for _, s in every_policy_statement(synthesized.resources) for a in as_list(s["Action"])}
    assert [a for a in actions if "*" in a] == []


def test_no_function_uses_an_aws_managed_policy(synthesized: Synthesized) -> None:
    roles = of_type(synthesized.resources, "AWS::IAM::Role")
    assert {i: r["Properties"].get("ManagedPolicyArns") for i, r in roles.items()} == {i: None for i in roles}


def test_only_the_decision_functions_can_resolve_task_tokens(synthesized: Synthesized) -> None:
    resources = synthesized.resources
    send_task = {"states:SendTaskSuccess", "states:SendTaskFailure"}
    holders = {
        role_id
        for role_id in of_type(resources, "AWS::IAM::Role")
        if send_task & permissions(resources, role_id).keys()
    }
    deciders = ("decide_approval", "slack_interactions")
    assert holders == {role_of(function_by_module(resources, m)[1]) for m in deciders}


def test_prepare_execution_lookup_is_a_separate_policy_the_function_does_not_wait_for(
    synthesized: Synthesized,
) -> None:
    # Given Prepare, whose ARN the state machine needs, and the policy naming the state machine
    resources = synthesized.resources
    _, prepare = function_by_module(resources, "prepare")
    lookup = [
        policy_id
        for policy_id, statement in statements_of_role(resources, role_of(prepare))
        if "states:DescribeExecution" in as_list(statement["Action"])
    ]
    # Then that policy is its own resource, and the function does not depend on it (no cycle)
    assert len(lookup) == 1
    assert "DefaultPolicy" not in lookup[0]
    assert lookup[0] not in prepare.get("DependsOn", [])
    assert resources[lookup[0]]["Properties"]["Roles"] == [{"Ref": role_of(prepare)}]


@pytest.mark.parametrize("module", MODULES)
def test_function_runtime_tracing_environment_and_logs(synthesized: Synthesized, module: str) -> None:
    resources = synthesized.resources
    _, function = function_by_module(resources, module)
    properties = function["Properties"]
    environment = properties["Environment"]["Variables"]
    releases_id = next(
        i
        for i, t in of_type(resources, "AWS::DynamoDB::Table").items()
        if t["Properties"]["KeySchema"][0]["AttributeName"] == "pk"
    )
    assert properties["Runtime"] == "python3.12"
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert 30 <= properties["Timeout"] <= 900
    assert environment["POWERTOOLS_SERVICE_NAME"] == "bluegreen"
    assert environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert environment["BLUEGREEN_CONFIG"] == "config/myapp.yaml"
    assert environment["RELEASES_TABLE"] == {"Ref": releases_id}
    acks_readers = {"prepare", "confirm_gateways", "record_failure", "execution_ended", "sample_traffic"}
    assert ("ACKS_TABLE" in environment) == (module in acks_readers)
    log_group: dict[str, Any] = resources[properties["LoggingConfig"]["LogGroup"]["Ref"]]
    assert "KmsKeyId" in log_group["Properties"]
    assert log_group["Properties"]["RetentionInDays"] > 0
