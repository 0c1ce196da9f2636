"""The release state machine: STANDARD, logged (ALL, with data) to an encrypted log group, traced,
wired to the functions by definition substitutions, and allowed to invoke exactly those functions."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from stacks.constructs.workflow import asl_placeholders
from tests.infrastructure.cfn import (
    as_list,
    function_by_module,
    of_type,
    one,
    permissions,
    release_state_machine,
    render,
)
from tests.infrastructure.conftest import WORKFLOW_FUNCTIONS, Inputs, Synthesized

MODULE_OF = {
    "Prepare": "prepare",
    "Deploy": "deploy",
    "CheckRollout": "check_rollout",
    "SmokeTests": "smoke_tests",
    "RequestApproval": "request_approval",
    "PreSwitchChecks": "pre_switch_checks",
    "Switch": "switch",
    "ConfirmGateways": "confirm_gateways",
    "CheckBake": "check_bake",
    "Rollback": "rollback",
    "Finish": "finish",
    "RecordFailure": "record_failure",
}


def test_state_machine_is_standard_logged_all_and_traced(synthesized: Synthesized) -> None:
    _, machine = release_state_machine(synthesized.resources)
    properties = machine["Properties"]
    assert properties["StateMachineType"] == "STANDARD"
    assert properties["TracingConfiguration"] == {"Enabled": True}
    logging = properties["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    # every event is logged, but not the data: the approval task's parameters carry its token
    assert logging["IncludeExecutionData"] is False
    (destination,) = logging["Destinations"]
    log_group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    log_group = synthesized.resources[log_group_id]["Properties"]
    key_id, key = one(synthesized.resources, "AWS::KMS::Key")
    assert log_group["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True


def test_key_policy_lets_cloudwatch_logs_use_the_key_for_this_stacks_log_groups_only(
    synthesized: Synthesized,
) -> None:
    # Given the key policy's statement for CloudWatch Logs
    _, key = one(synthesized.resources, "AWS::KMS::Key")
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    logs = [s for s in statements if "Service" in s.get("Principal", {})]
    assert len(logs) == 1
    assert render(logs[0]["Principal"]["Service"]) == "logs.<AWS::Region>.amazonaws.com"
    condition = logs[0]["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    patterns = {render(c) for c in as_list(condition)}

    # Then it names this stack's log-group prefixes, not every log group of the account
    log_group = "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:"
    assert patterns == {
        f"{log_group}/bluegreen/myapp/prod/*",
        f"{log_group}/aws/vendedlogs/states/bluegreen/myapp/prod/*",
    }
    # and every log group of the stack falls under one of them, so none is left unable to write
    for group in of_type(synthesized.resources, "AWS::Logs::LogGroup").values():
        name = group["Properties"]["LogGroupName"]
        assert any(fnmatch.fnmatchcase(f"{log_group}{name}", p) for p in patterns), name


def test_every_placeholder_in_the_definition_is_substituted_with_its_functions_arn(
    synthesized: Synthesized,
) -> None:
    # Given the placeholders the ASL uses
    placeholders = asl_placeholders(synthesized.definition)
    _, machine = release_state_machine(synthesized.resources)
    substitutions = machine["Properties"]["DefinitionSubstitutions"]

    # Then each is substituted, by the ARN of the function whose handler it names
    assert placeholders <= substitutions.keys()
    assert set(substitutions) == {f"{name}FunctionArn" for name in WORKFLOW_FUNCTIONS} | {"Partition"}
    assert substitutions["Partition"] == {"Ref": "AWS::Partition"}
    for name in WORKFLOW_FUNCTIONS:
        function_id, _ = function_by_module(synthesized.resources, MODULE_OF[name])
        assert substitutions[f"{name}FunctionArn"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_the_definition_is_loaded_from_the_file_not_inlined(synthesized: Synthesized) -> None:
    _, machine = release_state_machine(synthesized.resources)
    assert "DefinitionS3Location" in machine["Properties"]


def test_state_machine_may_invoke_exactly_the_workflow_functions(synthesized: Synthesized) -> None:
    resources = synthesized.resources
    role_id = release_state_machine(resources)[1]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    allowed = permissions(resources, role_id)
    expected = {f"<{function_by_module(resources, m)[0]}.Arn>" for m in MODULE_OF.values()}
    assert allowed["lambda:InvokeFunction"] == expected
    assert not [a for a in allowed if a.startswith("lambda:") and a != "lambda:InvokeFunction"]


def test_decide_approval_is_not_invoked_by_the_workflow(synthesized: Synthesized) -> None:
    _, machine = release_state_machine(synthesized.resources)
    decide_id, _ = function_by_module(synthesized.resources, "decide_approval")
    assert decide_id not in str(machine["Properties"]["DefinitionSubstitutions"])


def test_an_unknown_placeholder_fails_synthesis(
    tmp_path: Path, inputs: Inputs, synthesized: Synthesized
) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_

    from stacks.constructs.workflow import UnknownPlaceholderError
    from stacks.release_stack import ReleaseStack

    # Given a definition that names a function the stack does not have
    definition = tmp_path / "release.asl.json"
    definition.write_text(synthesized.definition.replace("${SwitchFunctionArn}", "${SwichFunctionArn}"))

    # When the stack is built, Then it refuses, naming the placeholder
    with pytest.raises(UnknownPlaceholderError, match=r"\$\{SwichFunctionArn\}"):
        ReleaseStack(
            cdk.App(),
            "Bad",
            config=synthesized.config,
            config_file_name=inputs.config_path.name,
            lambda_code=lambda_.Code.from_asset(str(inputs.asset_dir)),
            definition_path=definition,
        )


def test_log_groups_are_all_encrypted_and_retained(synthesized: Synthesized) -> None:
    groups = of_type(synthesized.resources, "AWS::Logs::LogGroup")
    assert groups
    for group in groups.values():
        assert "KmsKeyId" in group["Properties"]
        assert group["DeletionPolicy"] == "Retain"


def test_executions_that_end_without_recording_call_execution_ended(synthesized: Synthesized) -> None:
    # Given the rule on this state machine's status changes
    resources = synthesized.resources
    state_machine_id, _ = release_state_machine(resources)
    function_id, _ = function_by_module(resources, "execution_ended")
    (rule,) = [r for r in of_type(resources, "AWS::Events::Rule").values() if "aws.states" in str(r)]

    # Then it matches only this state machine's ABORTED, TIMED_OUT and FAILED executions ...
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert pattern["detail"] == {
        "stateMachineArn": [{"Ref": state_machine_id}],
        "status": ["ABORTED", "TIMED_OUT", "FAILED"],
    }
    # ... and targets ExecutionEnded, which EventBridge (from this rule only) may invoke
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    rule_id = next(iter(of_type(resources, "AWS::Events::Rule")))
    permissions = [
        p["Properties"]
        for p in of_type(resources, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        }
    ]
