"""Who may decide, and when approvals are enough: pure rules over identities and canonical ids.

No I/O here: Slack user-group membership comes in as a function, the votes and the trigger as data.
The same rules hold whatever door an identity came through, because they compare people
(`Identity.person`), never door-specific names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bluegreen.config import ApprovalsConfig
from bluegreen.release.identity import Door, Identity, canonical, iam_identity_matches

SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,31}$")


class Vote(BaseModel):
    """One approval as the record keeps it: the person, the door, and the raw evidence."""

    model_config = ConfigDict(frozen=True)

    approver: str
    """The person's canonical id: two votes of one person are one vote."""
    door: Door
    identity: str
    """The door-level principal (IAM ARN, `slack:<user id>`, ...), as evidence names it."""
    evidence: dict[str, str] = Field(default_factory=dict)
    how: str
    verified: bool
    at: datetime
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _recorded_before_identities(cls, data: Any) -> Any:
        """Votes stored before doors and evidence were recorded: `approver`, `via`, `identity`."""
        if isinstance(data, dict) and "door" not in data:
            return {
                "door": data.get("via") or Door.BREAK_GLASS.value,
                "identity": data.get("identity") or data.get("approver"),
                "how": "recorded before identities were kept",
                "verified": False,
                **data,
            }
        return data

    @property
    def via(self) -> str:
        return self.door.value

    @classmethod
    def of(cls, identity: Identity, at: datetime) -> Vote:
        if identity.person is None:
            raise ValueError("a vote needs a person")
        return cls(
            approver=identity.person,
            door=identity.door,
            identity=identity.principal,
            evidence=dict(identity.evidence),
            how=identity.how,
            verified=identity.verified,
            at=at,
            name=identity.name,
        )

    def as_item(self) -> dict[str, object]:
        """As stored (with `via`, which older readers of the record use)."""
        return {**self.model_dump(mode="json", exclude_none=True), "via": self.via}


class AllowList(BaseModel):
    """`approvals.approvers` (+ `slack_approvers`, `slack_approver_groups`), sorted by kind."""

    model_config = ConfigDict(frozen=True)

    iam: tuple[str, ...] = ()
    slack_users: frozenset[str] = frozenset()
    slack_groups: tuple[str, ...] = ()
    people: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, approvals: ApprovalsConfig) -> AllowList:
        iam = tuple(a for a in approvals.approvers if a.startswith("arn:"))
        slack = {a for a in approvals.approvers if SLACK_USER.fullmatch(a)} | set(approvals.slack_approvers)
        people = {canonical(a) for a in approvals.approvers if not a.startswith("arn:") and a not in slack}
        return cls(
            iam=iam,
            slack_users=frozenset(slack),
            slack_groups=tuple(approvals.slack_approver_groups),
            people=frozenset(people),
        )


def is_allowed(identity: Identity, allow: AllowList, group_members: Callable[[str], set[str]]) -> bool:
    """On the allow-list through this door (or as a person, through any door that proves one).

    The console door is gated by IAM alone (only the approvers policy may start the decision
    workflow), and it can only reject: see `approval_refusal`.
    """
    if identity.person is not None and identity.person in allow.people:
        return True
    if identity.door is Door.CONSOLE:
        return True
    if identity.door is Door.SLACK:
        user = identity.evidence.get("slack_user", "")
        if user in allow.slack_users:
            return True
        return any(user in group_members(group) for group in allow.slack_groups)
    principal = identity.evidence.get("principal_arn") or identity.evidence.get("claimed_approver") or ""
    return any(iam_identity_matches(principal, allowed) for allowed in allow.iam)


def approval_refusal(identity: Identity, trigger: Identity | None, allow_self_approval: bool) -> str | None:
    """Why this identity may not approve (None: it may). Rejecting is not limited by these rules."""
    if identity.door is Door.CONSOLE:
        return (
            "the console can reject but not approve: Step Functions does not tell who started the decision "
            "execution, so neither the self-approval nor the two-person rule could hold. Approve in Slack "
            "or with `bluegreen approve`"
        )
    if identity.person is None:
        door = identity.door.value
        return f"{identity.principal} cannot approve: the {door} door names no person ({identity.how})"
    if allow_self_approval:
        return None
    if trigger is None or trigger.person is None:
        how = trigger.how if trigger is not None else "no trigger recorded"
        return (
            f"nobody can approve this release: who triggered it is unknown ({how}), so approving could be "
            "self-approval; reject it and start it again through the StartRelease entry point"
        )
    if trigger.person == identity.person:
        return f"{identity.person} triggered this release and cannot approve it"
    return None


def voters(votes: Sequence[Vote]) -> list[str]:
    """The distinct people who approved, in the order they first did."""
    return list(dict.fromkeys(vote.approver for vote in votes))


def has_voted(votes: Sequence[Vote], person: str) -> bool:
    return person in voters(votes)


def enough(votes: Sequence[Vote], required: int) -> bool:
    return len(voters(votes)) >= required
