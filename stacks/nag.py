"""cdk-nag wiring, and every suppression with the reason it is acceptable.

Suppressions are narrowed with `applies_to` to the exact finding (never a whole rule on a whole
resource), so a new wildcard added by mistake still fails the infrastructure tests.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aspects
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks, NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import Construct

from stacks.constructs.release_functions import ReleaseFunctions

ANY_RESOURCE = "Resource::*"
_ARN_PREFIX = (
    r"arn:(<AWS::Partition>|aws[a-z-]*):{service}:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{{12}})"
)
FUNCTION_ENIS = RegexAppliesTo(
    regex=rf"/^Resource::{_ARN_PREFIX.format(service='ec2')}:network-interface\/\*$/"
)
"""`network-interface/*` of this account and region, whether the stack is environment-agnostic or not."""
THIS_STATE_MACHINES_EXECUTIONS = RegexAppliesTo(
    regex=rf"/^Resource::{_ARN_PREFIX.format(service='states')}:execution:<[A-Za-z0-9]+\.Name>:\*$/"
)
"""Executions of a state machine whose name is a token of this stack (not of any state machine)."""
DECISION_WORKFLOW_EXECUTIONS = RegexAppliesTo(
    regex=rf"/^Resource::{_ARN_PREFIX.format(service='states')}:execution:bluegreen-[a-z0-9-]+-decision:\*$/"
)
"""Executions of the decision workflow, which has a fixed name (DecideApproval derives its ARN)."""

XRAY_REASON = (
    "X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords "
    "have no resource-level permissions, so they can only be granted on '*'."
)
VPC_DESCRIBE_REASON = (
    " In a VPC, ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets also need '*' "
    "(no resource-level permissions); every mutating ENI action is scoped."
)
DESCRIBE_ALARMS_REASON = (
    " cloudwatch:DescribeAlarms is granted on '*' because DescribeAlarms returns composite alarms "
    "(each colour's release-health alarm) only to callers allowed on '*' (CloudWatch API "
    "reference); it reads alarm states and nothing else."
)
ENI_REASON = (
    "Lambda creates and deletes the function's ENIs itself and their ids are unknown until "
    "then: network-interface/* of this account and region only; ec2:CreateNetworkInterface "
    "is additionally limited to the cluster's subnets and security groups from config."
)
MANIFESTS_REASON = (
    "Deploy reads the manifests a release names (input `manifests`), whose keys are chosen per "
    "release by the pipeline: s3:GetObject only, on the one manifests bucket from config; input "
    "validation refuses any other bucket before the cluster is touched."
)
L1_REASON = (
    "Pinned to python3.12 on purpose: scripts/build_lambda_asset.py installs cp312 manylinux "
    "wheels (pydantic-core, pyyaml), which only load on the matching runtime. Upgrading is a "
    "deliberate change of both the runtime and the asset build."
)
EXECUTIONS_REASON = (
    "Prepare checks whether the execution holding the release lock still runs, and ExecutionEnded "
    "reads the input of an ended execution whose record is missing; execution names are generated "
    "per release, so the ARN ends in '*' but is limited to the executions of this stack's own "
    "state machine."
)
LOCK_HOLDER_EXECUTIONS_REASON = (
    "A rollback or scale-down finding the release lock held checks whether the holding execution "
    "still runs; execution names are generated per release, so the ARN ends in '*' but is limited "
    "to the executions of this stack's release workflow."
)
STATE_MACHINE_REASON = (
    "Added by CDK for tracing and logging: the X-Ray actions and the CloudWatch Logs "
    "vended-log delivery actions (logs:CreateLogDelivery, logs:PutResourcePolicy, ...) have "
    "no resource-level permissions and must be granted on '*'. lambda:InvokeFunction is "
    "granted on the workflow's function ARNs only."
)
APPROVER_EXECUTIONS_REASON = (
    "Approvers read the result of the decisions they start (DescribeExecution, "
    "GetExecutionHistory); execution names are generated per decision, so the ARN ends in '*' "
    "but is limited to the executions of this stack's decision workflow."
)
CONSOLE_PROOF_REASON = (
    "DecideApproval proves a console decision with DescribeExecution on the calling execution; "
    "execution names are generated per decision, so the ARN ends in '*' but is limited to the "
    "executions of this stack's decision workflow."
)
STARTERS_EXECUTIONS_REASON = (
    "Release starters follow the release they started (DescribeExecution, GetExecutionHistory); "
    "execution names are release ids chosen per release, so the ARN ends in '*' but is limited to "
    "the executions of this stack's release workflow."
)


def apply_aws_solutions_checks(scope: Construct) -> None:
    """Run the AwsSolutions pack (verbose: findings explain themselves) over everything in `scope`."""
    Aspects.of(scope).add(AwsSolutionsChecks(verbose=True))


def suppress_release_stack_findings(
    *, functions: ReleaseFunctions, execution_lookups: Sequence[Construct], state_machine_role: iam.IRole
) -> None:
    """The stack's known, reasoned exceptions; anything else AwsSolutions finds is an error."""
    _suppress_function_findings(functions)
    for lookup in execution_lookups:
        NagSuppressions.add_resource_suppressions(
            lookup,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=EXECUTIONS_REASON,
                    applies_to=[THIS_STATE_MACHINES_EXECUTIONS],
                )
            ],
        )
    NagSuppressions.add_resource_suppressions(
        state_machine_role,
        [NagPackSuppression(id="AwsSolutions-IAM5", reason=STATE_MACHINE_REASON, applies_to=[ANY_RESOURCE])],
        apply_to_children=True,
    )


def any_resource_reason(*, in_vpc: bool, describe_alarms: bool) -> str:
    """Why a function's role holds actions on '*': X-Ray, and in a VPC or reading alarms, those too."""
    return (
        XRAY_REASON
        + (VPC_DESCRIBE_REASON if in_vpc else "")
        + (DESCRIBE_ALARMS_REASON if describe_alarms else "")
    )


def _suppress_function_findings(functions: ReleaseFunctions) -> None:
    for spec in functions.specs:
        role_suppressions = [
            NagPackSuppression(
                id="AwsSolutions-IAM5",
                reason=any_resource_reason(in_vpc=spec.in_vpc, describe_alarms=spec.describe_alarms),
                applies_to=[ANY_RESOURCE],
            )
        ]
        bucket = functions.config.manifests_bucket
        if spec.read_manifests and bucket:
            role_suppressions.append(
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=MANIFESTS_REASON,
                    applies_to=[f"Resource::arn:<AWS::Partition>:s3:::{bucket}/*"],
                )
            )
        if spec.in_vpc:
            role_suppressions.append(
                NagPackSuppression(id="AwsSolutions-IAM5", reason=ENI_REASON, applies_to=[FUNCTION_ENIS])
            )
        NagSuppressions.add_resource_suppressions(
            functions.roles[spec.construct_id], role_suppressions, apply_to_children=True
        )
        NagSuppressions.add_resource_suppressions(
            functions.functions[spec.construct_id],
            [NagPackSuppression(id="AwsSolutions-L1", reason=L1_REASON)],
        )
