"""The release workflow: statemachines/release.asl.json, with the function ARNs substituted."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Annotations, Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.constructs.encryption import EncryptedLogs

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
PARTITION_SUBSTITUTION = {"Partition": Aws.PARTITION}
"""Service-integration ARNs (`arn:${Partition}:states:::lambda:invoke...`) in the stack's partition."""


def asl_placeholders(definition: str) -> set[str]:
    """Every `${Name}` the definition expects CloudFormation to substitute."""
    return set(PLACEHOLDER.findall(definition))


class UnknownPlaceholderError(ValueError):
    """The ASL names a `${...}` placeholder that no function provides: it would reach AWS verbatim."""

    def __init__(self, path: Path, unknown: Sequence[str]) -> None:
        self.path = path
        self.unknown = list(unknown)
        super().__init__(f"{path}: no substitution for {', '.join('${' + n + '}' for n in self.unknown)}")


class ReleaseWorkflow(Construct):
    """A STANDARD state machine: logging level ALL without execution data (task tokens), X-Ray tracing."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definition_path: Path,
        substitutions: Mapping[str, str],
        functions: Sequence[lambda_.IFunction],
        logs: EncryptedLogs,
    ) -> None:
        super().__init__(scope, construct_id)
        substitutions = {**substitutions, **PARTITION_SUBSTITUTION}
        self._check_placeholders(definition_path, substitutions)
        self.log_group = logs.log_group(self, "Logs", name="release", state_machine=True)
        self.state_machine = self._build_state_machine(definition_path, substitutions)
        self._grant_invoke(functions)

    def _check_placeholders(self, definition_path: Path, substitutions: Mapping[str, str]) -> None:
        expected = asl_placeholders(definition_path.read_text(encoding="utf-8"))
        unknown = sorted(expected - substitutions.keys())
        if unknown:
            raise UnknownPlaceholderError(definition_path, unknown)
        unused = sorted(substitutions.keys() - expected)
        if unused:
            Annotations.of(self).add_warning_v2(
                "bluegreen:unusedSubstitutions",
                f"{definition_path.name} does not use: {', '.join(unused)}",
            )

    def _build_state_machine(
        self, definition_path: Path, substitutions: Mapping[str, str]
    ) -> sfn.StateMachine:
        return sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(definition_path)),
            definition_substitutions=dict(substitutions),
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                # Execution data would put the approval task's token (its Parameters) in the logs:
                # tokens never leave the releases table. The release record holds the step data.
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )

    def _grant_invoke(self, functions: Sequence[lambda_.IFunction]) -> None:
        """lambda:InvokeFunction on exactly the workflow's functions (unqualified ARNs, no `:*`)."""
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[function.function_arn for function in functions],
            )
        )
