"""moto's IAM enforcement, completed where it would otherwise refuse or wave through what AWS decides.

moto 5.2 enforces identity policies for authenticated requests once
`settings.INITIAL_NO_AUTH_ACTION_COUNT` requests have passed (0 here), but out of the box:

- it authorizes every request of most services against the resource `*` (only SQS, IAM, STS and
  S3 name the resource), so a statement scoped to an ARN never matches and every least-privilege
  grant would be refused. `RESOURCES` below names the resource of each call the release makes, in
  the ARN form the Service Authorization Reference gives;
- it prefixes an action with the signing name, so CloudWatch's calls read `monitoring:...`, and it
  names Lambda's `Invoke` operation instead of the `lambda:InvokeFunction` action;
- it turns a wildcard pattern into a regular expression without escaping it (`?` is not "one
  character", `.` matches anything);
- it recomputes SigV4 signatures wrongly for REST paths (Lambda Invoke, EKS); the signature proves
  nothing about policies, so it is not checked: the access key id alone names the caller;
- it answers a denial with an XML body that JSON-protocol clients cannot read: here the caller
  gets `AccessDeniedException` with AWS's wording, resource included.

Conditions in identity policies are not evaluated (moto treats them as met), nor are NotResource,
policy variables, permission boundaries or resource-based policies: docs/architecture.md lists what
the local run cannot check, and the infrastructure tests state those rules against the template.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

IAM_PREFIX = {"monitoring": "cloudwatch"}
"""Signing name -> IAM service prefix, where they differ."""
IAM_ACTION = {"lambda:Invoke": "lambda:InvokeFunction"}
"""Operation -> IAM action, where the names differ."""
QUERY_PROTOCOL = {"sts", "iam"}
"""Services whose clients read moto's XML error (the others get JSON)."""


@dataclass(frozen=True)
class Call:
    """One authorization decision: who asked for which action on which resource, and the answer."""

    principal: str
    action: str
    resource: str
    allowed: bool

    @property
    def role(self) -> str | None:
        """The role name of an assumed-role principal (`...:assumed-role/<role>/<session>`)."""
        _, found, rest = self.principal.partition(":assumed-role/")
        return rest.split("/", 1)[0] if found else None


class CallLog:
    """Every decision moto's enforcement made, in order; thread-safe (moto serves many threads)."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    def add(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)


# -- the resource each call is authorized against -------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What a resource rule sees of a request."""

    service: str
    action: str
    params: Mapping[str, Any]
    partition: str
    region: str
    account: str
    response: Any

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"


def _dynamodb(request: Request) -> str:
    table = str(request.params.get("TableName") or "")
    if not table:
        tables = request.params.get("RequestItems") or {}
        table = str(next(iter(tables), ""))
    if not table:
        return "*"
    arn = table if table.startswith("arn:") else request.arn("dynamodb", f"table/{table}")
    index = request.params.get("IndexName")
    return f"{arn}/index/{index}" if index else arn


def _ssm(request: Request) -> str:
    name = str(request.params.get("Name") or next(iter(request.params.get("Names") or []), ""))
    if not name:
        return "*"
    return name if name.startswith("arn:") else request.arn("ssm", f"parameter/{name.lstrip('/')}")


def _cloudwatch(request: Request) -> str:
    """DescribeAlarms returns composite alarms only to a caller allowed on `*` (API reference,
    DescribeAlarms): a request that asks for them is authorized against `*`."""
    if request.action == "DescribeAlarms":
        if "CompositeAlarm" in (request.params.get("AlarmTypes") or []):
            return "*"
        names = request.params.get("AlarmNames") or []
        return request.arn("cloudwatch", f"alarm:{names[0]}") if len(names) == 1 else "*"
    name = request.params.get("AlarmName")
    return request.arn("cloudwatch", f"alarm:{name}") if name else "*"


def _stepfunctions(request: Request) -> str:
    for key in ("executionArn", "stateMachineArn"):
        if request.params.get(key):
            return str(request.params[key])
    token = request.params.get("taskToken")
    if token:
        return _state_machine_of_token(request, str(token))
    return "*"


def _state_machine_of_token(request: Request, token: str) -> str:
    """A task token belongs to one execution; AWS authorizes SendTask* against its state machine."""
    backend = request.response.stepfunction_backend
    for machine in getattr(backend, "state_machines", []):
        for execution in machine.executions:
            worker = getattr(execution, "exec_worker", None)
            pool = getattr(getattr(worker, "env", None), "callback_pool_manager", None)
            if pool is not None and pool.get(token) is not None:
                return str(machine.arn)
    return "*"


def _secretsmanager(request: Request) -> str:
    secret_id = str(request.params.get("SecretId") or "")
    if not secret_id:
        return "*"
    if secret_id.startswith("arn:"):
        return secret_id
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[request.account][request.region]
    secret = backend.secrets.get(secret_id)
    return str(secret.arn) if secret is not None else request.arn("secretsmanager", f"secret:{secret_id}")


def _lambda(request: Request) -> str:
    path = str(getattr(request.response, "path", ""))
    match = re.search(r"/functions/([^/]+)", path)
    if not match:
        return "*"
    from urllib.parse import unquote

    name = unquote(match.group(1)).split(":function:")[-1].split(":")[0]
    return request.arn("lambda", f"function:{name}")


def _eks(request: Request) -> str:
    path = str(getattr(request.response, "path", ""))
    match = re.search(r"/clusters/([^/?]+)", path)
    return request.arn("eks", f"cluster/{match.group(1)}") if match else "*"


RESOURCES: dict[str, Callable[[Request], str]] = {
    "dynamodb": _dynamodb,
    "ssm": _ssm,
    "monitoring": _cloudwatch,
    "states": _stepfunctions,
    "secretsmanager": _secretsmanager,
    "lambda": _lambda,
    "eks": _eks,
}


def _response_classes() -> dict[str, type]:
    from moto.awslambda.responses import LambdaResponse
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.dynamodb.responses import DynamoHandler
    from moto.eks.responses import EKSResponse
    from moto.secretsmanager.responses import SecretsManagerResponse
    from moto.ssm.responses import SimpleSystemManagerResponse
    from moto.stepfunctions.responses import StepFunctionResponse

    return {
        "dynamodb": DynamoHandler,
        "ssm": SimpleSystemManagerResponse,
        "monitoring": CloudWatchResponse,
        "states": StepFunctionResponse,
        "secretsmanager": SecretsManagerResponse,
        "lambda": LambdaResponse,
        "eks": EKSResponse,
    }


def _params(response: Any) -> Mapping[str, Any]:
    params = getattr(response, "params", None)
    if isinstance(params, Mapping) and params:
        return params
    body = getattr(response, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.startswith("{"):
        try:
            parsed = json.loads(body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _resource_rule(service: str, rule: Callable[[Request], str]) -> Callable[[Any], str]:
    def determine_resource(response: Any) -> str:
        from moto.utilities.utils import get_partition

        request = Request(
            service=service,
            action=str(response._get_action()),
            params=_params(response),
            partition=get_partition(response.region),
            region=str(response.region),
            account=str(response.current_account),
            response=response,
        )
        return rule(request)

    return determine_resource


# -- the patches ----------------------------------------------------------------------------------


def _wildcard_match(pattern: str, value: str) -> re.Match[str] | None:
    """IAM's wildcards: `*` any run of characters, `?` exactly one; everything else literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL)


@contextmanager
def enforced_iam(log: CallLog) -> Iterator[None]:
    """Enforce identity policies on every request moto serves in this process, recording each
    decision in `log`, until the block ends. Credentials that moto does not know are refused."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import JsonRESTError
    from moto.iam import access_control

    original_init = access_control.IAMRequestBase.__init__
    original_check = access_control.IAMRequestBase.check_action_permitted
    original_deny = access_control.IAMRequest._raise_access_denied

    def init(request: Any, *args: Any, **kwargs: Any) -> None:
        original_init(request, *args, **kwargs)
        service, _, action = request._action.partition(":")
        named = f"{IAM_PREFIX.get(service, service)}:{action}"
        request._action = IAM_ACTION.get(named, named)
        request._service_name = service

    def check(request: Any, resource: str) -> None:
        request._resource = resource
        try:
            original_check(request, resource)
        except Exception:
            log.add(Call(request._access_key.arn, request._action, resource, allowed=False))
            raise
        log.add(Call(request._access_key.arn, request._action, resource, allowed=True))

    def deny(request: Any) -> None:
        if getattr(request, "_service_name", "") in QUERY_PROTOCOL:
            original_deny(request)
        raise JsonRESTError(
            "AccessDeniedException",
            f"User: {request._access_key.arn} is not authorized to perform: {request._action} "
            f"on resource: {getattr(request, '_resource', '*')} because no identity-based policy "
            "allows the action",
        )

    with ExitStack() as stack:
        for service, cls in _response_classes().items():
            rule = _resource_rule(service, RESOURCES[service])
            stack.enter_context(mock.patch.object(cls, "_determine_resource", rule, create=True))
        stack.enter_context(mock.patch.object(access_control.IAMRequestBase, "__init__", init))
        stack.enter_context(mock.patch.object(access_control.IAMRequestBase, "check_action_permitted", check))
        stack.enter_context(mock.patch.object(access_control.IAMRequestBase, "check_signature", _no_check))
        stack.enter_context(mock.patch.object(access_control.IAMRequest, "_raise_access_denied", deny))
        stack.enter_context(
            mock.patch.object(access_control.IAMPolicyStatement, "_match", staticmethod(_wildcard_match))
        )
        stack.enter_context(mock.patch.object(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0))
        stack.enter_context(mock.patch.object(ActionAuthenticatorMixin, "request_count", 0))
        yield


def _no_check(request: Any) -> None:
    """Signatures are not verified (see the module docstring)."""
