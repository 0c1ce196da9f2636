"""The synthesized template's IAM, as a local run needs it: each function's role policies, with every
intrinsic resolved to the names of the local resources that stand in for the stack's.

The template is the one source of truth for what a function may do; the local run creates these
policies in moto and runs each handler with its role's credentials. A reference the local run has
no stand-in for resolves to `unresolved:<LogicalId>.<Attribute>`, which no request ever matches.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Resources = Mapping[str, Mapping[str, Any]]
HANDLER_SUFFIX = ".handler"
RELEASE_WORKFLOW = "ReleaseWorkflow"
"""The role name of the release state machine (it invokes the workflow's functions)."""
DECISION_WORKFLOW = "DecisionWorkflow"
"""The role name of the console's decision state machine (it invokes DecideApproval)."""
STATE_MACHINE_ROLES = {"Workflow": RELEASE_WORKFLOW, "Approvals": DECISION_WORKFLOW}
"""Logical-id prefix of each state machine -> the name its role has locally."""


@dataclass(frozen=True)
class LocalNames:
    """What the local run calls the stack's resources, and where it runs."""

    partition: str
    region: str
    account: str
    releases_table: str
    acks_table: str
    state_machine_name: str
    function_arns: Mapping[str, str]
    """Function name (as the workflow names it, e.g. `Prepare`) -> its local ARN."""
    handler_modules: Mapping[str, str]
    """Function name -> handler module (`lambdas.prepare`)."""

    def arn(self, service: str, resource: str, region: str | None = None, account: str | None = None) -> str:
        region = self.region if region is None else region
        account = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    @property
    def state_machine_arn(self) -> str:
        return self.arn("states", f"stateMachine:{self.state_machine_name}")


@dataclass(frozen=True)
class RolePolicies:
    """One role of the template: its logical id and its identity policies, resolved."""

    name: str
    logical_id: str
    documents: tuple[dict[str, Any], ...] = field(default=())

    def statements(self) -> list[dict[str, Any]]:
        return [statement for document in self.documents for statement in _as_list(document["Statement"])]

    def granted_actions(self) -> set[str]:
        """Every action an Allow statement names (wildcards as written)."""
        return {
            str(action)
            for statement in self.statements()
            if statement.get("Effect") == "Allow"
            for action in _as_list(statement.get("Action", []))
        }


class TemplateRoleError(ValueError):
    """The template lacks something the local run needs (a function's role, a resolvable intrinsic)."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"synthesized template: {what}")


def roles_from_template(template: Mapping[str, Any], names: LocalNames) -> dict[str, RolePolicies]:
    """Function name -> its role's policies, plus the two state machines' (`STATE_MACHINE_ROLES`)."""
    resources: Resources = template["Resources"]
    resolver = _Resolver(resources, names)
    by_module = {module: name for name, module in names.handler_modules.items()}
    roles: dict[str, RolePolicies] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        handler = str(resource["Properties"].get("Handler", ""))
        name = by_module.get(handler.removesuffix(HANDLER_SUFFIX))
        if name is None:
            continue
        role_id = _role_id(resource["Properties"]["Role"], logical_id)
        roles[name] = RolePolicies(name, role_id, _documents(resources, role_id, resolver))
    missing = sorted(set(names.handler_modules) - roles.keys())
    if missing:
        raise TemplateRoleError(f"no function for {', '.join(missing)}")
    for prefix, name in STATE_MACHINE_ROLES.items():
        machine_id = _state_machine(resources, prefix)
        role_id = _role_id(resources[machine_id]["Properties"]["RoleArn"], machine_id)
        roles[name] = RolePolicies(name, role_id, _documents(resources, role_id, resolver))
    return roles


def _role_id(reference: Any, owner: str) -> str:
    if isinstance(reference, dict) and "Fn::GetAtt" in reference:
        return str(reference["Fn::GetAtt"][0])
    raise TemplateRoleError(f"{owner}'s role is not a role of this template: {json.dumps(reference)}")


def _state_machine(resources: Resources, prefix: str) -> str:
    found = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine" and logical_id.startswith(prefix)
    ]
    if len(found) != 1:
        raise TemplateRoleError(f"expected one state machine under {prefix}, found {found}")
    return found[0]


def _documents(resources: Resources, role_id: str, resolver: _Resolver) -> tuple[dict[str, Any], ...]:
    """The role's inline policies (AWS::IAM::Policy naming it) and managed policies attached to it."""
    documents: list[dict[str, Any]] = []
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and {"Ref": role_id} in (
            properties.get("Roles") or []
        ):
            documents.append(resolver.resolve(properties["PolicyDocument"]))
    return tuple(documents)


class _Resolver:
    """Ref, Fn::GetAtt and Fn::Join, against the local stand-ins for the template's resources."""

    def __init__(self, resources: Resources, names: LocalNames) -> None:
        self._resources = resources
        self._names = names
        self._pseudo = {
            "AWS::Partition": names.partition,
            "AWS::Region": names.region,
            "AWS::AccountId": names.account,
            "AWS::URLSuffix": "amazonaws.com",
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(str(argument))
            if key == "Fn::GetAtt":
                return self._attribute(str(argument[0]), str(argument[1]))
            if key == "Fn::Join":
                separator, parts = argument
                return str(separator).join(str(self.resolve(part)) for part in parts)
            if key.startswith("Fn::"):
                raise TemplateRoleError(f"cannot resolve {key} in a policy")
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, logical_id: str) -> str:
        if logical_id in self._pseudo:
            return self._pseudo[logical_id]
        return self._attribute(logical_id, "Ref")

    def _attribute(self, logical_id: str, attribute: str) -> str:
        resource = self._resources.get(logical_id)
        local = self._local_values(logical_id, resource) if resource else {}
        return local.get(attribute, f"unresolved:{logical_id}.{attribute}")

    def _local_values(self, logical_id: str, resource: Mapping[str, Any]) -> dict[str, str]:
        names = self._names
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::DynamoDB::Table":
            key = properties["KeySchema"][0]["AttributeName"]
            table = names.releases_table if key == "pk" else names.acks_table
            return {"Ref": table, "Arn": names.arn("dynamodb", f"table/{table}")}
        if kind == "AWS::StepFunctions::StateMachine" and logical_id.startswith("Workflow"):
            return {"Ref": names.state_machine_arn, "Name": names.state_machine_name}
        if kind == "AWS::Lambda::Function":
            module = str(properties.get("Handler", "")).removesuffix(HANDLER_SUFFIX)
            for name, handler_module in names.handler_modules.items():
                if handler_module == module:
                    arn = names.function_arns[name]
                    return {"Ref": arn.rsplit(":", 1)[-1], "Arn": arn}
        if kind == "AWS::Logs::LogGroup":
            return {"Arn": names.arn("logs", f"log-group:{logical_id}:*")}
        return {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
