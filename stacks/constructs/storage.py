"""The two DynamoDB tables: release records/lock/approvals, and gateway acknowledgements."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from bluegreen.adapters.release_store import HISTORY_INDEX, HISTORY_KEY, HISTORY_SORT_KEY

RELEASES_PARTITION_KEY = "pk"
RELEASES_TTL_ATTRIBUTE = "expires_at"
ACKS_PARTITION_KEY = "gateway_id"


class ReleaseTables(Construct):
    """Both tables are retained on stack delete and have point-in-time recovery: they are the audit trail."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.releases = self._build_releases()
        self.acks = self._build_acks()

    def _build_releases(self) -> dynamodb.Table:
        """Release records, the lock item and pending approvals (which expire through the TTL).

        The History index lists an app/environment's release records newest first (`bluegreen
        history`) with a Query instead of a Scan of the whole table.
        """
        table = self._table(
            "Releases",
            partition_key=RELEASES_PARTITION_KEY,
            time_to_live_attribute=RELEASES_TTL_ATTRIBUTE,
        )
        table.add_global_secondary_index(
            index_name=HISTORY_INDEX,
            partition_key=dynamodb.Attribute(name=HISTORY_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=HISTORY_SORT_KEY, type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        return table

    def _build_acks(self) -> dynamodb.Table:
        """One item per gateway; each gateway may write only its own item (see GatewayAccess)."""
        return self._table("Acks", partition_key=ACKS_PARTITION_KEY)

    def _table(
        self, construct_id: str, *, partition_key: str, time_to_live_attribute: str | None = None
    ) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            construct_id,
            partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=time_to_live_attribute,
            removal_policy=RemovalPolicy.RETAIN,
        )
