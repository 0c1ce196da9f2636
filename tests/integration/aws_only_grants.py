"""Grants that only a run on AWS exercises, each with the reason the local runs cannot.

The least-privilege report (test_least_privilege.py) fails on a grant no handler called unless it is
here; an entry whose grant the local runs do call, or that the template no longer grants, fails too,
so this list cannot outlive its reasons.
"""

from __future__ import annotations

from tests.integration.least_privilege import Justification

IN_VPC = frozenset(
    {
        "Deploy",
        "CheckRollout",
        "SmokeTests",
        "RequestApproval",
        "DecideApproval",
        "SlackInteractions",
        "PreSwitchChecks",
        "AlarmRollback",
        "ScaleDown",
    }
)
IN_CLUSTER = IN_VPC - {"SmokeTests"}
FUNCTIONS = IN_VPC | {
    "Prepare",
    "Switch",
    "ConfirmGateways",
    "CheckBake",
    "Rollback",
    "Finish",
    "RecordFailure",
    "ExecutionEnded",
    "StartRelease",
    "SampleTraffic",
}
NOTIFYING = FUNCTIONS - {
    "StartRelease",
    "SampleTraffic",
    "Deploy",
    "CheckRollout",
    "SmokeTests",
    "PreSwitchChecks",
    "ConfirmGateways",
    "CheckBake",
}
STATE_MACHINES = frozenset({"ReleaseWorkflow", "DecisionWorkflow"})
RECORD_UPDATERS = frozenset(
    {
        "Deploy",
        "CheckRollout",
        "SmokeTests",
        "RequestApproval",
        "PreSwitchChecks",
        "Switch",
        "ConfirmGateways",
        "CheckBake",
        "Rollback",
    }
)
"""The functions whose only record access is ReleaseStore.update_record."""

_LAMBDA_LOGS = (
    "The Lambda service writes the function's log stream with the execution role; no handler code "
    "calls CloudWatch Logs, and the local run has no Lambda service."
)
_TRACING = (
    "Active tracing: the Lambda runtime (for a state machine, Step Functions) sends the trace "
    "segments with the role; no handler code calls X-Ray."
)
_ENIS = (
    "Lambda creates, describes and deletes the function's network interfaces in the cluster's "
    "subnets with the execution role; the local run has no VPC."
)
_CLUSTER = (
    "EksApiClientFactory reads the cluster's endpoint and certificate authority before each "
    "container's first Kubernetes call; the local run hands the handlers a client for the fake "
    "Kubernetes API server instead."
)
_SLACK_TOKEN = (
    "The Slack bot token (and, for SlackInteractions, the signing secret) is read once per Lambda "
    "container; the local functions share one notifier, so only the first to notify reads it, and "
    "the local Slack interactions verify with a signing secret the test holds."
)
_RECORD_REPAIR = (
    "ReleaseStore.update_record reads the record back when a conditional write fails (the record "
    "was deleted during the release, or lacks its steps map); the fault matrix drives that path "
    "through some of these functions, not all."
)
_STATE_MACHINE_LOGS = (
    "Step Functions delivers the execution log (level ALL) to CloudWatch Logs with the state "
    "machine's role; moto's interpreter writes no logs."
)

AWS_ONLY: tuple[Justification, ...] = (
    *(Justification(a, FUNCTIONS, _LAMBDA_LOGS) for a in ("logs:CreateLogStream", "logs:PutLogEvents")),
    *(
        Justification(a, FUNCTIONS | STATE_MACHINES, _TRACING)
        for a in ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
    ),
    *(
        Justification(a, STATE_MACHINES, _TRACING)
        for a in ("xray:GetSamplingRules", "xray:GetSamplingTargets")
    ),
    *(
        Justification(a, IN_VPC, _ENIS)
        for a in (
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
        )
    ),
    Justification("eks:DescribeCluster", IN_CLUSTER, _CLUSTER),
    Justification("secretsmanager:GetSecretValue", NOTIFYING, _SLACK_TOKEN, local_runs_may_call=True),
    Justification("dynamodb:GetItem", RECORD_UPDATERS, _RECORD_REPAIR, local_runs_may_call=True),
    Justification(
        "dynamodb:PutItem",
        frozenset({"ExecutionEnded"}),
        "ExecutionEnded writes again, from the execution's input, a record deleted during a release "
        "that then ended outside its states; the local scenarios that delete a record end in "
        "RecordFailure, which restores it there.",
    ),
    *(
        Justification(a, STATE_MACHINES, _STATE_MACHINE_LOGS)
        for a in (
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
        )
    ),
)
