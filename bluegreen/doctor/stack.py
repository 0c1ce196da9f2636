"""The stack: deployed and settled, every output the CLI reads, its state machine, tables and functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from bluegreen.doctor.checks import Checks, error_code
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import CheckResult, Group, fail, ok, warn
from bluegreen.doctor.template import parse_template
from bluegreen.stack_outputs import CLI_OUTPUTS

G = Group.STACK
SETTLED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
DEPLOY_FIX = (
    "deploy it: `make synth`, then `npx cdk deploy --app cdk.out {stack}` "
    "(docs/operations.md, First deployment to a real account)"
)


@dataclass
class StackFacts:
    """What later checks need from the stack (empty when it could not be read)."""

    name: str
    named: Mapping[str, str]
    outputs: dict[str, str] = field(default_factory=dict)
    template: dict[str, Any] | None = None
    physical_ids: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    def resource(self, cli_name: str) -> str | None:
        """A resource the CLI reads: named directly (BLUEGREEN_*), else the stack's output."""
        if self.named.get(cli_name):
            return self.named[cli_name]
        return self.outputs.get(CLI_OUTPUTS[cli_name].key) or None

    def of_type(self, resource_type: str) -> dict[str, str]:
        """logical id -> physical id of the stack's resources of one type."""
        return {k: self.physical_ids[k] for k, t in self.types.items() if t == resource_type}


def check_stack(env: DoctorEnv, checks: Checks) -> StackFacts:
    facts = StackFacts(name=env.stack_name, named=env.named)
    check = f"stack {env.stack_name}"
    with checks.guard(G, check):
        described = _describe(env, facts)
        if described is None:
            everything_named = all(env.named.get(name) for name in CLI_OUTPUTS)
            result = warn if everything_named else fail
            checks.add(
                result(
                    G,
                    check,
                    f"not found in {env.region}"
                    + ("; the resources are named by BLUEGREEN_* variables" if everything_named else ""),
                    DEPLOY_FIX.format(stack=env.stack_name),
                )
            )
        else:
            checks.add(_status_result(check, described))
            _check_outputs(facts, checks)
            _read_resources(env, facts)
    _check_state_machine(env, facts, checks)
    _check_tables(env, facts, checks)
    _check_functions(env, facts, checks)
    return facts


def _describe(env: DoctorEnv, facts: StackFacts) -> dict[str, Any] | None:
    try:
        stack: dict[str, Any] = env.client("cloudformation").describe_stacks(StackName=env.stack_name)[
            "Stacks"
        ][0]
    except ClientError as exc:
        if error_code(exc) == "ValidationError" and "does not exist" in str(exc):
            return None
        raise
    facts.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    return stack


def _status_result(check: str, stack: dict[str, Any]) -> CheckResult:
    status = str(stack.get("StackStatus", ""))
    reason = stack.get("StackStatusReason")
    detail = status + (f" ({reason})" if reason else "")
    if status in SETTLED:
        return ok(G, check, detail)
    if status == "UPDATE_ROLLBACK_COMPLETE":
        return warn(
            G,
            check,
            f"{detail}: the last update failed and was rolled back, the previous version runs",
            "read the stack events for the failed resource, fix it and deploy again",
        )
    if status.endswith("_IN_PROGRESS"):
        return fail(
            G, check, f"{detail}: a deployment is under way", "wait until it settles, then run doctor"
        )
    return fail(
        G,
        check,
        detail,
        "read the stack events (`aws cloudformation describe-stack-events`) for the failed resource, "
        "fix it and deploy again",
    )


def _check_outputs(facts: StackFacts, checks: Checks) -> None:
    missing = [
        output.key
        for name, output in CLI_OUTPUTS.items()
        if not facts.named.get(name) and not facts.outputs.get(output.key)
    ]
    if missing:
        checks.add(
            fail(
                G,
                "stack outputs",
                f"missing {', '.join(missing)}: the stack predates this version of bluegreen",
                DEPLOY_FIX.format(stack=facts.name),
            )
        )
    else:
        checks.add(ok(G, "stack outputs", f"{len(CLI_OUTPUTS)} outputs the CLI reads are present"))


def _read_resources(env: DoctorEnv, facts: StackFacts) -> None:
    cloudformation = env.client("cloudformation")
    facts.template = parse_template(
        cloudformation.get_template(StackName=env.stack_name, TemplateStage="Processed")["TemplateBody"]
    )
    kwargs: dict[str, Any] = {"StackName": env.stack_name}
    while True:
        page = cloudformation.list_stack_resources(**kwargs)
        for resource in page.get("StackResourceSummaries", []):
            if resource.get("LogicalResourceId"):
                facts.physical_ids[resource["LogicalResourceId"]] = resource.get("PhysicalResourceId", "")
                facts.types[resource["LogicalResourceId"]] = resource.get("ResourceType", "")
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]


def _check_state_machine(env: DoctorEnv, facts: StackFacts, checks: Checks) -> None:
    arn = facts.resource("state_machine_arn")
    if arn is None:
        return
    check = "state machine"
    with checks.guard(G, check):
        try:
            described = env.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
        except ClientError as exc:
            if error_code(exc) != "StateMachineDoesNotExist":
                raise
            checks.add(fail(G, check, f"{arn} does not exist", DEPLOY_FIX.format(stack=facts.name)))
            return
        status = described.get("status", "ACTIVE")
        name = described.get("name", arn)
        if status == "ACTIVE":
            checks.add(ok(G, check, f"{name} {status}"))
        else:
            checks.add(fail(G, check, f"{name} is {status}", DEPLOY_FIX.format(stack=facts.name)))


def _check_tables(env: DoctorEnv, facts: StackFacts, checks: Checks) -> None:
    for cli_name, label in (("releases_table", "releases table"), ("acks_table", "gateway acks table")):
        name = facts.resource(cli_name)
        if name is None:
            continue
        with checks.guard(G, label):
            try:
                table = env.client("dynamodb").describe_table(TableName=name)["Table"]
            except ClientError as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise
                checks.add(fail(G, label, f"{name} does not exist", DEPLOY_FIX.format(stack=facts.name)))
                continue
            status = table.get("TableStatus", "")
            if status in ("ACTIVE", "UPDATING"):
                checks.add(ok(G, label, f"{name} {status}"))
            else:
                checks.add(fail(G, label, f"{name} is {status}", "wait until the table is ACTIVE"))


def _check_functions(env: DoctorEnv, facts: StackFacts, checks: Checks) -> None:
    functions = facts.of_type("AWS::Lambda::Function")
    if not functions:
        return
    settled = 0
    for logical_id, name in sorted(functions.items()):
        check = f"function {logical_id}"
        with checks.guard(G, check):
            configuration = env.client("lambda").get_function_configuration(FunctionName=name)
            state = configuration.get("State", "Active")
            update = configuration.get("LastUpdateStatus", "Successful")
            if state == "Failed" or update == "Failed":
                reason = configuration.get("StateReason") or configuration.get("LastUpdateStatusReason")
                code = configuration.get("StateReasonCode") or configuration.get("LastUpdateStatusReasonCode")
                checks.add(
                    fail(
                        G,
                        check,
                        f"{name} is {state}/{update}: {code}: {reason}",
                        "fix the cause (for VPC functions: subnets with free IP addresses, the security "
                        "groups, the role's ENI permissions) and deploy again",
                    )
                )
            elif state == "Pending" or update == "InProgress":
                checks.add(warn(G, check, f"{name} is still being set up ({state})", "wait a minute"))
            else:
                settled += 1
    if settled == len(functions):
        checks.add(ok(G, "functions", f"{settled} functions ready"))
