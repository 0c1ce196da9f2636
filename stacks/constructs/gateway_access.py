"""One managed policy per gateway: read the parameter, write only its own acknowledgement item."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.constructs.active_color import ActiveColorParameter


class GatewayAccess(Construct):
    """`policies[gateway_id]` is attached by whoever runs that gateway (its instance role)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        gateway_ids: Sequence[str],
        parameter: ActiveColorParameter,
        acks_table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        self._parameter = parameter
        self._acks_table = acks_table
        self.policies: dict[str, iam.ManagedPolicy] = {
            gateway_id: self._build_policy(gateway_id) for gateway_id in gateway_ids
        }

    def _build_policy(self, gateway_id: str) -> iam.ManagedPolicy:
        return iam.ManagedPolicy(
            self,
            f"Gateway-{gateway_id}",
            description=f"bluegreen gateway {gateway_id}: poll the active colour, acknowledge it",
            statements=[
                iam.PolicyStatement(
                    sid="ReadActiveColor",
                    actions=["ssm:GetParameter"],
                    resources=[self._parameter.parameter_arn],
                ),
                iam.PolicyStatement(
                    sid="WriteOwnAcknowledgementOnly",
                    actions=["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"],
                    resources=[self._acks_table.table_arn],
                    conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [gateway_id]}},
                ),
            ],
        )
