"""Approvals in the stack: who can reach the decision, through which door, with which identity."""

from __future__ import annotations

import json
from typing import Any

from stacks.constructs.approvals import DECISION_ASL
from tests.infrastructure.cfn import as_list, function_by_module, of_type, permissions, render, role_of
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
    # Slack cannot sign with SigV4: the handler verifies Slack's signature before anything else
    assert url_of(synthesized, "slack_interactions")["AuthType"] == "NONE"
    assert {
        "DecideApprovalUrl",
        "SlackInteractionsUrl",
        "DecisionStateMachineArn",
        "ApproversPolicyArn",
    } <= set(synthesized.outputs)


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
            f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<{machine_id}.Name>:*"
        ),
        "states:GetExecutionHistory": (
            f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<{machine_id}.Name>:*"
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
