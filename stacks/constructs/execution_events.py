"""The way out that runs no state: an execution that ends ABORTED, TIMED_OUT or FAILED calls ExecutionEnded.

StopExecution, a whole-execution timeout or a crash inside the recording step end a release
without RecordFailure; this rule makes sure the lock is released and the record completed anyway.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

ENDED_STATUSES = ["ABORTED", "TIMED_OUT", "FAILED"]


class ExecutionEndedRule(Construct):
    """EventBridge: this state machine's executions that ended badly -> `function`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.IStateMachine,
        function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = self._build_rule(state_machine, function)

    def _build_rule(self, state_machine: sfn.IStateMachine, function: lambda_.IFunction) -> events.Rule:
        return events.Rule(
            self,
            "Rule",
            description="bluegreen: complete a release whose execution ended without recording it",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={"stateMachineArn": [state_machine.state_machine_arn], "status": ENDED_STATUSES},
            ),
            targets=[targets.LambdaFunction(function, retry_attempts=20, max_event_age=Duration.hours(6))],
        )
