"""Pending approvals in the releases table (`APPROVAL#<approval id>`, TTL `expires_at`).

A pending approval maps the opaque id people see to the task token that resumes the release, and
collects the votes: one per person (a conditional append on `voters`), so two clicks of one person
are one vote whichever doors they used. Deleting it is how a decision claims the token: only the
call that deleted it may resume the workflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bluegreen.adapters.release_items import from_item_value, is_conditional_failure, to_item_value
from bluegreen.errors import ApprovalDecisionError
from bluegreen.records import PendingApproval

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class PendingApprovalItems:
    """The pending-approval half of `ReleaseStore` (same table)."""

    _table: Table

    @staticmethod
    def approval_key(approval_id: str) -> str:
        return f"APPROVAL#{approval_id}"

    def put_approval(self, approval: PendingApproval) -> None:
        item = {"pk": self.approval_key(approval.approval_id), **approval.item()}
        self._table.put_item(Item=to_item_value(item), ConditionExpression="attribute_not_exists(pk)")

    def get_approval(self, approval_id: str) -> PendingApproval | None:
        key = {"pk": self.approval_key(approval_id)}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return PendingApproval.from_item(from_item_value(item)) if item else None

    def add_approval_vote(self, approval_id: str, vote: dict[str, Any]) -> list[dict[str, Any]]:
        """Append an approver's vote unless that person already voted; returns all votes."""
        try:
            response = self._table.update_item(
                Key={"pk": self.approval_key(approval_id)},
                UpdateExpression=(
                    "SET approvals = list_append(approvals, :vote), voters = list_append(voters, :who)"
                ),
                ConditionExpression="attribute_exists(pk) AND NOT contains(voters, :approver)",
                ExpressionAttributeValues={
                    ":vote": [to_item_value(vote)],
                    ":who": [vote["approver"]],
                    ":approver": vote["approver"],
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            current = self.get_approval(approval_id)
            if current is None:
                raise ApprovalDecisionError("this release is no longer waiting for approval") from exc
            return list(current.approvals)
        return list(from_item_value(response["Attributes"]).get("approvals", []))

    def close_approval(self, approval_id: str) -> PendingApproval | None:
        """Delete the pending approval (and its token); returns it if this call deleted it."""
        try:
            response = self._table.delete_item(
                Key={"pk": self.approval_key(approval_id)},
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return None
            raise
        attributes = response.get("Attributes")
        return PendingApproval.from_item(from_item_value(attributes)) if attributes else None
