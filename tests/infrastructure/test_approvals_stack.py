"""Approvals in the stack: who can reach the decision, through which door, with which identity."""

from __future__ import annotations

import json
from typing import Any

from stacks.constructs.approvals import DECISION_ASL
from tests.infrastructure.cfn import (
    as_list,
    every_policy_statement,
    function_by_module,
    of_type,
    permissions,
    release_state_machine,
    render,
    role_of,
)
from tests.infrastructure.conftest import Synthesized


def url_of(synthesized: Synthesized, module: str) -> dict[str, Any]:
    function_id, _ = function_by_module(synthesized.resources, module)
    (url,) = [
        u["Properties"]
        for u in of_type(synthesized.resources, "AWS::Lambda::Url").values()
        if u["Properties"]["TargetFunctionArn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    return dict(url)


def test_cli_decide_url_requires_sigv4_and_slack_url_is_verified_in_code(synthesized: Synthesized) -> None:
    assert url_of(synthesized, "decide_approval")["AuthType"] == "AWS_IAM"
    assert url_of(synthesized, "start_release")["AuthType"] == "AWS_IAM"
    # Slack cannot sign with SigV4: the handler verifies Slack's signature before anything else
    assert url_of(synthesized, "slack_interactions")["AuthType"] == "NONE"
    assert {
        "StartReleaseUrl",
        "ReleaseStartersPolicyArn",
        "DecideApprovalUrl",
        "SlackInteractionsUrl",
        "DecisionStateMachineArn",
        "ApproversPolicyArn",
    } <= set(synthesized.outputs)


def test_the_direct_function_is_not_described_as_the_way_to_approve(synthesized: Synthesized) -> None:
    description = synthesized.outputs["DecideApprovalFunctionName"]["Description"]
    assert description.startswith("Break-glass")
    assert "reject" in synthesized.outputs["DecisionStateMachineArn"]["Description"]


def managed_policy(synthesized: Synthesized, prefix: str) -> dict[str, set[str]]:
    """action -> rendered resources of the managed policy whose logical id starts with `prefix`."""
    (policy,) = [
        p["Properties"]
        for i, p in of_type(synthesized.resources, "AWS::IAM::ManagedPolicy").items()
        if i.startswith(prefix)
    ]
    granted: dict[str, set[str]] = {}
    for statement in policy["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            granted.setdefault(action, set()).update(render(r) for r in as_list(statement["Resource"]))
    return granted


def test_only_start_release_may_start_the_release_workflow(synthesized: Synthesized) -> None:
    # Given the release workflow and the StartRelease function
    release_id, _ = release_state_machine(synthesized.resources)
    _, start = function_by_module(synthesized.resources, "start_release")
    # Then exactly one policy in the template allows StartExecution on it: StartRelease's role's
    starters = [
        policy_id
        for policy_id, statement in every_policy_statement(synthesized.resources)
        if "states:StartExecution" in as_list(statement["Action"])
        and f"<{release_id}>" in {render(r) for r in as_list(statement["Resource"])}
    ]
    assert len(starters) == 1
    role_statements = permissions(synthesized.resources, role_of(start))
    assert role_statements["states:StartExecution"] == {f"<{release_id}>"}
    assert start["Properties"]["Environment"]["Variables"]["RELEASE_STATE_MACHINE_ARN"] == {"Ref": release_id}
    assert "states:SendTaskSuccess" not in role_statements  # it starts releases, it never decides


def test_approvers_cannot_start_releases_and_starters_cannot_decide(synthesized: Synthesized) -> None:
    release_id, _ = release_state_machine(synthesized.resources)
    decision_id, _ = decision_machine(synthesized)
    start_id, _ = function_by_module(synthesized.resources, "start_release")
    decide_id, _ = function_by_module(synthesized.resources, "decide_approval")
    approvers = managed_policy(synthesized, "ApprovalsApproversPolicy")
    starters = managed_policy(synthesized, "ApprovalsReleaseStartersPolicy")
    everything_approvers_reach = set().union(*approvers.values())
    assert f"<{release_id}>" not in everything_approvers_reach
    assert f"<{start_id}.Arn>" not in everything_approvers_reach
    everything_starters_reach = set().union(*starters.values())
    assert f"<{decision_id}>" not in everything_starters_reach
    assert f"<{decide_id}.Arn>" not in everything_starters_reach
    assert "states:StartExecution" not in starters
    assert starters["lambda:InvokeFunctionUrl"] == {f"<{start_id}.Arn>"}
    assert starters["states:DescribeExecution"] == {
        f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<{release_id}.Name>:*"
    }


def test_decide_approval_can_prove_a_console_decision(synthesized: Synthesized) -> None:
    _, machine = decision_machine(synthesized)
    config = synthesized.config
    name = f"bluegreen-{config.app}-{config.environment}-decision"
    assert machine["Properties"]["StateMachineName"] == name
    _, decide = function_by_module(synthesized.resources, "decide_approval")
    described = permissions(synthesized.resources, role_of(decide))["states:DescribeExecution"]
    assert described == {f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{name}:*"}


def decision_machine(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (i, r)
        for i, r in of_type(synthesized.resources, "AWS::StepFunctions::StateMachine").items()
        if i.startswith("Approvals")
    ]
    return found


def test_console_decision_workflow_passes_only_the_input_and_its_execution_to_decide(
    synthesized: Synthesized,
) -> None:
    _, machine = decision_machine(synthesized)
    properties: dict[str, Any] = machine["Properties"]
    definition = json.loads(DECISION_ASL.read_text(encoding="utf-8"))
    task = definition["States"]["Decide"]
    assert task["Parameters"]["Payload"] == {
        "console": {
            "input.$": "$",
            "execution.$": "$$.Execution.Id",
            "started_at.$": "$$.Execution.StartTime",
        }
    }
    decide_id, _ = function_by_module(synthesized.resources, "decide_approval")
    assert properties["DefinitionSubstitutions"] == {
        "DecideApprovalFunctionArn": {"Fn::GetAtt": [decide_id, "Arn"]},
        "Partition": {"Ref": "AWS::Partition"},
    }
    role_id = properties["RoleArn"]["Fn::GetAtt"][0]
    invoke = permissions(synthesized.resources, role_id)["lambda:InvokeFunction"]
    assert invoke == {f"<{decide_id}.Arn>"}
    assert properties["TracingConfiguration"] == {"Enabled": True}


def test_approvers_policy_allows_exactly_deciding(synthesized: Synthesized) -> None:
    machine_id, _ = decision_machine(synthesized)
    decide_id, _ = function_by_module(synthesized.resources, "decide_approval")
    (policy,) = [
        p["Properties"]
        for i, p in of_type(synthesized.resources, "AWS::IAM::ManagedPolicy").items()
        if i.startswith("ApprovalsApproversPolicy")
    ]
    granted = {
        action: render(statement["Resource"])
        for statement in policy["PolicyDocument"]["Statement"]
        for action in as_list(statement["Action"])
    }
    assert granted == {
        "states:StartExecution": f"<{machine_id}>",
        "states:DescribeStateMachine": f"<{machine_id}>",
        "states:ListExecutions": f"<{machine_id}>",
        "states:DescribeExecution": (
            "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:bluegreen-myapp-prod-decision:*"
        ),
        "states:GetExecutionHistory": (
            "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:bluegreen-myapp-prod-decision:*"
        ),
        "lambda:InvokeFunctionUrl": f"<{decide_id}.Arn>",
        "lambda:InvokeFunction": f"<{decide_id}.Arn>",  # through the URL only: test_aws_rules.py
    }
    url_statement = next(
        s for s in policy["PolicyDocument"]["Statement"] if s["Action"] == "lambda:InvokeFunctionUrl"
    )
    assert url_statement["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}


def test_slack_secrets_are_granted_by_name_and_never_in_the_template(synthesized: Synthesized) -> None:
    approvals = synthesized.config.approvals
    _, interactions = function_by_module(synthesized.resources, "slack_interactions")
    readable = permissions(synthesized.resources, role_of(interactions))["secretsmanager:GetSecretValue"]
    prefix = "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
    assert readable == {
        f"{prefix}{approvals.slack_bot_token_secret}-??????",
        f"{prefix}{approvals.slack_signing_secret_secret}-??????",
    }
    # only the names are in the template: no environment variable carries a secret or its name
    template = json.dumps(synthesized.resources)
    assert "xoxb-" not in template
    for function in of_type(synthesized.resources, "AWS::Lambda::Function").values():
        variables = json.dumps(function["Properties"].get("Environment", {}))
        assert "slack" not in variables.lower()
