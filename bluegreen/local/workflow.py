"""Run the real release workflow locally: moto executes statemachines/release.asl.json and routes
every Lambda task to the real handler in this process, with a Runtime around moto's AWS and the
fake Kubernetes API server.

Used by the integration tests and by `make demo`. Waits are virtual: a Wait state (or a Retry
interval) does not sleep, it moves the workflow's clock forward by its seconds, so a ten-minute
bake takes milliseconds and every deadline still means what it says.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import httpx

from bluegreen.adapters.active_color import ActiveColorStore
from bluegreen.adapters.alarms import AlarmReader
from bluegreen.adapters.gateway_acks import GatewayAckReader
from bluegreen.adapters.kube import ApiClientFactory
from bluegreen.adapters.notify import RecordingNotifier
from bluegreen.adapters.release_store import ReleaseStore
from bluegreen.config import AppConfig
from bluegreen.errors import ApprovalDecisionError
from bluegreen.local.cluster_access import KubeForFunction, function_runtime
from bluegreen.local.emf_log import EmfLog
from bluegreen.local.fake_gateways import FakeGateways
from bluegreen.local.faults import Faults
from bluegreen.local.iam_roles import IamEnforcement, LocalIam, acting_as, as_administrator, local_role_arn
from bluegreen.local.moto_patches import patch_moto
from bluegreen.local.names import (
    ACCOUNT,
    ACKS_TABLE,
    HANDLERS,
    PARTITION,
    REGION,
    RELEASES_TABLE,
    FakeContext,
    function_arn,
    local_names,
    state_machine_name,
)
from bluegreen.local.tables import RELEASES_TABLE_SCHEMA
from bluegreen.local.template_roles import RELEASE_WORKFLOW
from bluegreen.local.virtual_time import VirtualClock
from bluegreen.runtime import Runtime

__all__ = [
    "ACCOUNT",
    "HANDLERS",
    "REGION",
    "FakeContext",
    "FakeGateways",
    "LocalWorkflow",
    "VirtualClock",
    "load_definition",
]

ASL = Path(__file__).resolve().parents[2] / "statemachines" / "release.asl.json"


def load_definition(path: Path = ASL) -> str:
    """The ASL with every `${XFunctionArn}` and `${Partition}` substituted, as CDK's
    definition_substitutions does."""
    text = path.read_text(encoding="utf-8").replace("${Partition}", PARTITION)
    for name in HANDLERS:
        text = text.replace("${" + name + "FunctionArn}", function_arn(name))
    if "${" in text:
        raise ValueError(f"unsubstituted placeholder left in {path}")
    return text


@dataclass
class Invocation:
    function: str
    error: str | None
    at: datetime
    seconds: float = 0.0


@dataclass
class LocalAws:
    """The AWS side of a local run, created inside moto."""

    config: AppConfig
    clock: VirtualClock
    releases_table: Any
    acks_table: Any
    ssm: Any
    sfn: Any
    cloudwatch: Any
    state_machine_arn: str
    gateways: FakeGateways
    notifier: RecordingNotifier = field(default_factory=RecordingNotifier)
    invocations: list[Invocation] = field(default_factory=list)


class LocalWorkflow:
    """Context manager: moto started, resources created, handlers wired. See module docstring."""

    def __init__(
        self,
        config: AppConfig,
        kube: ApiClientFactory,
        *,
        http: httpx.Client | None = None,
        definition_path: Path = ASL,
        on_invoke: Callable[[str, dict[str, Any]], None] | None = None,
        kube_for: KubeForFunction | None = None,
        iam: IamEnforcement | None = None,
        emf: EmfLog | None = None,
    ) -> None:
        """`iam`: run every handler with its own role from the synthesized template, IAM enforced.
        `kube`: the harness's cluster clients; `kube_for(function)`, when given, each handler's own
        (bluegreen.local.cluster_access.FunctionKube)."""
        self.config = config
        self.emf = emf or EmfLog()
        """The handlers' metrics: the EMF documents Lambda would print to the function's log, kept here
        (a local run's stdout is a person's terminal, or a CLI's output in tests)."""
        self.kube = kube
        self.kube_for = kube_for
        self.http = http or httpx.Client(timeout=config.smoke.timeout_seconds)
        self.definition_path = definition_path
        self.on_invoke = on_invoke
        self.on_wait: Callable[[str, int], None] | None = None
        """Called with (state name, seconds) when the workflow enters a Wait state."""
        self.faults = Faults()
        self.ended_events: list[dict[str, Any]] = []
        self.enforcement = iam
        self.iam: LocalIam | None = None
        self._stack = ExitStack()
        self.aws: LocalAws
        self.runtime: Runtime

    # -- set-up ---------------------------------------------------------------------------------

    def __enter__(self) -> LocalWorkflow:
        from moto import mock_aws

        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            self._stack.enter_context(mock.patch.dict(os.environ, {key: os.environ.get(key, value)}))
        self._stack.enter_context(
            mock_aws(
                config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
            )
        )
        if self.enforcement is not None:
            self.iam = self.enforcement.start(self._stack, local_names(self.config))
        clock = VirtualClock()
        self._patch_moto(clock)
        self._stack.enter_context(self.faults.patched())
        self.aws = self._create_resources(clock)
        self.runtime = Runtime(
            config=self.config,
            releases=ReleaseStore(self.aws.releases_table, clock=clock),
            colors=ActiveColorStore(self.config.parameter_name, self.aws.ssm),
            alarms=AlarmReader(self.aws.cloudwatch),
            kube=self.kube,
            sfn=self.aws.sfn,
            acks=GatewayAckReader(self.aws.acks_table),
            http=self.http,
            notifier=self.aws.notifier,
            clock=clock,
            metrics=self.emf.sink(),
        )
        self.aws.gateways.tick()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._fail_open_tokens()
        finally:
            self._stack.close()

    def _patch_moto(self, clock: VirtualClock) -> None:
        patch_moto(
            self._stack,
            clock,
            invoke=self._invoke,
            on_wait=self._on_wait,
        )

    def _on_wait(self, state: str, seconds: int) -> None:
        if self.on_wait is not None:
            with as_administrator(self.iam):  # the test's observer, in the execution's thread
                self.on_wait(state, seconds)

    def _create_resources(self, clock: VirtualClock) -> LocalAws:
        config = self.config
        dynamodb = boto3.resource("dynamodb", region_name=REGION)
        releases = dynamodb.create_table(TableName=RELEASES_TABLE, **RELEASES_TABLE_SCHEMA)
        acks = dynamodb.create_table(
            TableName=ACKS_TABLE,
            KeySchema=[{"AttributeName": "gateway_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "gateway_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(
            Name=config.parameter_name,
            Value=config.initial_color.value,
            Type="String",
            AllowedPattern="^(blue|green)$",
        )
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        # the existing alarms of config, and the per-colour health alarms the stack would create
        for name in config.alarms.all_watched_names(config.app, config.environment):
            cloudwatch.put_metric_alarm(
                AlarmName=name,
                MetricName=name,
                Namespace="bluegreen/local",
                Statistic="Sum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
            )
            cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="local start")
        sfn = boto3.client("stepfunctions", region_name=REGION)
        state_machine_arn = sfn.create_state_machine(
            name=state_machine_name(config),
            definition=load_definition(self.definition_path),
            roleArn=local_role_arn(RELEASE_WORKFLOW, ACCOUNT),
        )["stateMachineArn"]
        gateways = FakeGateways(config.gateways.ids, config.parameter_name, acks, ssm, clock)
        return LocalAws(config, clock, releases, acks, ssm, sfn, cloudwatch, state_machine_arn, gateways)

    # -- Lambda dispatch --------------------------------------------------------------------------

    def _invoke(self, function_name: str, body: Any, response_headers: dict[str, str]) -> bytes:
        name = function_name.rsplit(":", 1)[-1].removeprefix("bluegreen-")
        event = json.loads(body) if body else {}
        with as_administrator(self.iam):  # the harness's stand-ins and observers, not the function
            # Gateways heartbeat all the time (every poll, a couple of seconds); only their state when
            # a step looks matters here, so they tick before every step.
            self.aws.gateways.tick()
            if self.on_invoke is not None:
                self.on_invoke(name, event)
        started = time.perf_counter()
        try:
            with self.faults.running(name):
                injected = self.faults.lambda_failure()
                if injected is not None:
                    self.aws.invocations.append(Invocation(name, injected["errorType"], self.aws.clock()))
                    response_headers["x-amz-function-error"] = "Unhandled"
                    return json.dumps(injected).encode()
                result = self.call_handler(name, event)
        except Exception as exc:  # a Lambda function error, exactly as AWS reports it
            elapsed = time.perf_counter() - started
            self.aws.invocations.append(Invocation(name, type(exc).__name__, self.aws.clock(), elapsed))
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": []}
            ).encode()
        elapsed = time.perf_counter() - started
        self.aws.invocations.append(Invocation(name, None, self.aws.clock(), elapsed))
        return json.dumps(result).encode()

    def call_handler(self, name: str, event: dict[str, Any]) -> Any:
        module = importlib.import_module(HANDLERS[name])
        with self.acting_as(name):
            return module.handler(event, FakeContext(name), rt=self.runtime_for(name))

    def runtime_for(self, name: str) -> Runtime:
        """The Runtime function `name` runs with: the shared one, with its own cluster credentials."""
        return function_runtime(self.runtime, name, self.kube_for)

    def acting_as(self, name: str) -> contextlib.AbstractContextManager[object]:
        """AWS calls made in this block are function `name`'s (its role's, when IAM is enforced):
        for handlers called from outside the workflow, as a Function URL or Slack calls them."""
        return acting_as(self.iam, name)

    # -- driving an execution ---------------------------------------------------------------------

    def start(self, release_input: Any, name: str | None = None) -> str:
        # AWS names an unnamed execution with a UUID; moto would call every one "None".
        response = self.aws.sfn.start_execution(
            stateMachineArn=self.aws.state_machine_arn,
            input=json.dumps(release_input),
            name=name or str(uuid.uuid4()),
        )
        return str(response["executionArn"])

    def describe(self, execution_arn: str) -> dict[str, Any]:
        return dict(self.aws.sfn.describe_execution(executionArn=execution_arn))

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not reached within {timeout}s")
            time.sleep(0.05)

    def wait_for_end(self, execution_arn: str, timeout: float = 30.0) -> dict[str, Any]:
        self.wait_until(lambda: self.describe(execution_arn)["status"] != "RUNNING", timeout, "execution end")
        return self.describe(execution_arn)

    def deliver_execution_ended(self, execution_arn: str) -> Any:
        """What the EventBridge rule does when an execution ends ABORTED, TIMED_OUT or FAILED: call
        ExecutionEnded with the status change (the event carries no error; the handler looks it up).
        Like EventBridge, retries a failed delivery (a few times here)."""
        execution = self.describe(execution_arn)
        if execution["status"] not in ("ABORTED", "TIMED_OUT", "FAILED"):
            return None
        event = {
            "detail-type": "Step Functions Execution Status Change",
            "source": "aws.states",
            "detail": {
                "executionArn": execution_arn,
                "stateMachineArn": self.aws.state_machine_arn,
                "status": execution["status"],
            },
        }
        self.ended_events.append(event)
        for attempt in range(3):
            try:
                self.aws.gateways.tick()
                with self.faults.running("ExecutionEnded"):
                    return self.call_handler("ExecutionEnded", event)
            except Exception:
                if attempt == 2:
                    raise
        return None

    def pending_approval(self, release_id: str) -> str | None:
        record = self.runtime.releases.get_record(release_id) or {}
        approval = record.get("approval") or {}
        return str(approval["approval_id"]) if approval.get("status") == "pending" else None

    def wait_for_approval_request(self, release_id: str, timeout: float = 30.0) -> str:
        self.wait_until(lambda: self.pending_approval(release_id) is not None, timeout, "approval request")
        approval_id = self.pending_approval(release_id)
        assert approval_id is not None
        return approval_id

    def decide(self, release_id: str, decision: str, approver: str, reason: str | None = None) -> Any:
        """Decide as `approver` (an IAM ARN) through DecideApproval's Function URL, the door
        `bluegreen approve|reject` uses: on AWS the URL verifies the caller's SigV4 signature and
        passes its ARN. A refusal raises ApprovalDecisionError, as the CLI exits non-zero."""
        body = json.dumps({"release_id": release_id, "decision": decision, "reason": reason})
        event = {"requestContext": {"authorizer": {"iam": {"userArn": approver}}}, "body": body}
        response = self.call_handler("DecideApproval", event)
        answer = json.loads(response.get("body") or "{}")
        if response["statusCode"] != 200:
            raise ApprovalDecisionError(str(answer.get("message") or answer.get("error") or answer))
        return answer

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = self.aws.sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def record(self, release_id: str) -> dict[str, Any]:
        return self.runtime.releases.get_record(release_id) or {}

    def _fail_open_tokens(self) -> None:
        """StopExecution doesn't end an execution blocked on a task token: fail every open one."""
        response = self.aws.releases_table.scan()
        for item in response.get("Items", []):
            if str(item.get("pk", "")).startswith("APPROVAL#") and item.get("task_token"):
                with contextlib.suppress(Exception):  # best effort: the execution may be over
                    self.aws.sfn.send_task_failure(taskToken=item["task_token"], error="TestTeardown")


@contextmanager
def local_workflow(config: AppConfig, kube: ApiClientFactory, **kwargs: Any) -> Iterator[LocalWorkflow]:
    with LocalWorkflow(config, kube, **kwargs) as workflow:
        yield workflow
