"""The release stack's name and the outputs other parts read: written by stacks/release_stack.py
(and stacks/constructs/approvals.py), read by the `bluegreen` CLI and `bluegreen doctor`.

Each output the CLI needs can also be named directly with an environment variable, which is how
the tests and the local rehearsal point the CLI at moto.
"""

from __future__ import annotations

from dataclasses import dataclass


def stack_name(app: str, environment: str) -> str:
    """`BlueGreen-<app>-<env>`: one stack per application environment."""
    return f"BlueGreen-{app}-{environment}"


STATE_MACHINE_ARN = "StateMachineArn"
RELEASES_TABLE = "ReleasesTableName"
ACKS_TABLE = "AcksTableName"
DECIDE_FUNCTION = "DecideApprovalFunctionName"
DECIDE_URL = "DecideApprovalUrl"
ROLLBACK_FUNCTION = "RollbackFunctionName"
PARAMETER_NAME = "ActiveColorParameterName"
SLACK_INTERACTIONS_URL = "SlackInteractionsUrl"
DECISION_STATE_MACHINE_ARN = "DecisionStateMachineArn"
APPROVERS_POLICY_ARN = "ApproversPolicyArn"
START_RELEASE_URL = "StartReleaseUrl"
RELEASE_STARTERS_POLICY_ARN = "ReleaseStartersPolicyArn"
GATEWAY_POLICY_PREFIX = "GatewayPolicyArn"
DASHBOARD_NAME = "DashboardName"


@dataclass(frozen=True)
class CliOutput:
    """An output the CLI reads, and the environment variable that can name it instead."""

    key: str
    env_var: str


CLI_OUTPUTS: dict[str, CliOutput] = {
    "state_machine_arn": CliOutput(STATE_MACHINE_ARN, "BLUEGREEN_STATE_MACHINE_ARN"),
    "releases_table": CliOutput(RELEASES_TABLE, "BLUEGREEN_RELEASES_TABLE"),
    "acks_table": CliOutput(ACKS_TABLE, "BLUEGREEN_ACKS_TABLE"),
    "decide_function": CliOutput(DECIDE_FUNCTION, "BLUEGREEN_DECIDE_FUNCTION"),
    "decide_url": CliOutput(DECIDE_URL, "BLUEGREEN_DECIDE_URL"),
    "start_url": CliOutput(START_RELEASE_URL, "BLUEGREEN_START_URL"),
    "rollback_function": CliOutput(ROLLBACK_FUNCTION, "BLUEGREEN_ROLLBACK_FUNCTION"),
    "parameter_name": CliOutput(PARAMETER_NAME, "BLUEGREEN_PARAMETER"),
}
