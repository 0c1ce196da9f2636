"""What a local run calls things: the release's functions (handler modules, ARNs, a Lambda context),
its tables and state machine, and where it runs. The synthesized template's policies are resolved to
these names (bluegreen/local/template_roles.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bluegreen.config import AppConfig
from bluegreen.local.template_roles import LocalNames

REGION = "us-east-1"
ACCOUNT = "123456789012"
PARTITION = "aws"
RELEASES_TABLE = "bluegreen-releases"
ACKS_TABLE = "bluegreen-gateway-acks"

# Function name (as in the ASL substitutions and the CDK construct ids) -> handler module.
HANDLERS: dict[str, str] = {
    "Prepare": "lambdas.prepare",
    "Deploy": "lambdas.deploy",
    "CheckRollout": "lambdas.check_rollout",
    "SmokeTests": "lambdas.smoke_tests",
    "RequestApproval": "lambdas.request_approval",
    "PreSwitchChecks": "lambdas.pre_switch_checks",
    "Switch": "lambdas.switch",
    "ConfirmGateways": "lambdas.confirm_gateways",
    "CheckBake": "lambdas.check_bake",
    "Rollback": "lambdas.rollback",
    "Finish": "lambdas.finish",
    "RecordFailure": "lambdas.record_failure",
    "DecideApproval": "lambdas.decide_approval",
    "ExecutionEnded": "lambdas.execution_ended",
    "SlackInteractions": "lambdas.slack_interactions",
    "StartRelease": "lambdas.start_release",
    "AlarmRollback": "lambdas.alarm_rollback",
    "ScaleDown": "lambdas.scale_down",
    "SampleTraffic": "lambdas.sample_traffic",
}


def function_arn(name: str) -> str:
    return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:bluegreen-{name}"


def state_machine_name(config: AppConfig) -> str:
    return f"{config.app}-{config.environment}-release"


def local_names(config: AppConfig) -> LocalNames:
    """What a local run calls the stack's resources (the template's policies are resolved to them)."""
    return LocalNames(
        partition=PARTITION,
        region=REGION,
        account=ACCOUNT,
        releases_table=RELEASES_TABLE,
        acks_table=ACKS_TABLE,
        state_machine_name=state_machine_name(config),
        function_arns={name: function_arn(name) for name in HANDLERS},
        handler_modules=HANDLERS,
    )


@dataclass
class FakeContext:
    """The parts of a Lambda context that Powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return function_arn(self.function_name)
