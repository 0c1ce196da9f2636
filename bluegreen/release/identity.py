"""Who is acting: one canonical id per person, taken from the evidence each door gives.

A door is the way a decision (or a release) comes in. Each door yields evidence that AWS or Slack
vouches for — a SigV4-verified caller ARN, a Slack user id in a signed request and the email Slack
holds for that user, a Step Functions execution — or, for the break-glass doors, only a claim.
The person is derived from that evidence, never from a name someone typed:

- an IAM principal: an exact mapping in `approvals.identities.people`, else the session name of a
  role listed in `person_session_roles` (IAM Identity Center, or a trust policy pinning it);
- a Slack user: a `slack:<user id>` mapping, else the user's email as Slack returns it (users.info);
- a pipeline (`github:<actor>`, `codebuild:<initiator>`, ...): a mapping, nothing else.

Evidence that maps to nobody gives `person=None`: such an identity cannot approve. Canonical ids
are compared case-insensitively (they are stored lower-cased).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bluegreen.adapters.slack import SlackProfile
from bluegreen.config import IdentitiesConfig

ASSUMED_ROLE = re.compile(
    r"^arn:(?P<p>[^:]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/(?P<session>.+)$"
)
ROLE = re.compile(r"^arn:(?P<p>[^:]+):iam::(?P<account>\d{12}):role/(?:.+/)?(?P<role>[^/]+)$")


class Door(StrEnum):
    SLACK = "slack"
    """Slack's signed interaction request: the user id; the person from their Slack email or a mapping."""
    CLI = "cli"
    """DecideApproval's Function URL (AuthType AWS_IAM): the SigV4-verified caller ARN."""
    CONSOLE = "console"
    """The decision workflow's own execution, proven with DescribeExecution. Names no person."""
    BREAK_GLASS = "break_glass"
    """A direct Lambda invoke of DecideApproval: the approver it names is a claim."""
    START_RELEASE = "start_release"
    """The StartRelease Function URL (AuthType AWS_IAM): the SigV4-verified caller ARN."""
    START_EXECUTION = "start_execution"
    """A direct StartExecution of the release workflow: `triggered_by` is a claim."""


class Identity(BaseModel):
    """Who acted through which door, the raw evidence, and the person it names (if any)."""

    model_config = ConfigDict(frozen=True)

    door: Door
    evidence: dict[str, str] = Field(default_factory=dict)
    """As given: `principal_arn`, `slack_user`, `slack_email`, `execution_arn`, `claim`, ..."""
    person: str | None = None
    """The canonical id (lower-cased), or None when the evidence names nobody."""
    verified: bool
    """True when AWS or Slack vouches for the evidence; False for a claim."""
    how: str
    """How the person was derived (or why not), for the record and for refusals."""
    name: str | None = None
    """A display name, where the door gives one (the Slack user name)."""

    @property
    def principal(self) -> str:
        """The door-level identity: the IAM ARN, `slack:<user id>`, the execution, or the claim."""
        evidence = self.evidence
        if "slack_user" in evidence:
            return f"slack:{evidence['slack_user']}"
        for key in ("principal_arn", "execution_arn", "claimed_approver", "claim"):
            if evidence.get(key):
                return evidence[key]
        return self.door.value

    @property
    def display(self) -> str:
        """`person (principal)` for messages; the principal alone when no person is known."""
        if self.person is None:
            return self.principal
        if self.person == self.principal.lower():
            return self.person
        return f"{self.person} ({self.principal})"


def canonical(person: str) -> str:
    return person.strip().lower()


class People:
    """The configured identities, indexed by evidence."""

    def __init__(self, config: IdentitiesConfig) -> None:
        self.config = config
        self._by_evidence = {
            item.strip(): canonical(person) for person, items in config.people.items() for item in items
        }

    def mapped(self, evidence: str) -> str | None:
        return self._by_evidence.get(evidence.strip())

    def iam(self, arn: str) -> tuple[str | None, str]:
        """(person, how) for a verified IAM principal ARN."""
        person = self.mapped(arn)
        if person is not None:
            return person, "configured mapping"
        session = ASSUMED_ROLE.match(arn)
        if session:
            role_arn = _role_of_session(arn)
            mapped_role = self.mapped(role_arn) if role_arn else None
            if mapped_role is not None:
                return mapped_role, "configured mapping of the role"
            if any(iam_identity_matches(arn, role) for role in self.config.person_session_roles):
                return canonical(session["session"]), f"session name of role {session['role']}"
            return None, (
                f"role {session['role']} is not a person-session role and {arn} is not mapped to a person"
            )
        return None, f"{arn} is not mapped to a person"

    def is_pipeline(self, arn: str) -> bool:
        return any(iam_identity_matches(arn, role) for role in self.config.pipeline_roles)

    def claim(self, claim: str) -> tuple[str | None, str]:
        """(person, how) for a claimed name (pipeline actor, ARN or free text), by mapping only."""
        person = self.mapped(claim)
        if person is not None:
            return person, "configured mapping of the claim"
        if claim.startswith("arn:"):
            person, how = self.iam(claim)
            return person, f"{how} (claimed, not verified)"
        return None, f"{claim!r} is not mapped to a person"


def iam_identity_matches(identity: str, allowed: str) -> bool:
    """An assumed-role session (`sts::…:assumed-role/R/alice`) matches its role (`iam::…:role/R`)."""
    if identity == allowed:
        return True
    session, role = ASSUMED_ROLE.match(identity), ROLE.match(allowed)
    return bool(
        session
        and role
        and session["account"] == role["account"]
        and session["role"] == role["role"]
        and session["p"] == role["p"]
    )


def _role_of_session(arn: str) -> str | None:
    session = ASSUMED_ROLE.match(arn)
    if not session:
        return None
    return f"arn:{session['p']}:iam::{session['account']}:role/{session['role']}"


# -- the doors ---------------------------------------------------------------------------------------


def cli_identity(principal_arn: str, people: People) -> Identity:
    person, how = people.iam(principal_arn)
    return Identity(
        door=Door.CLI, evidence={"principal_arn": principal_arn}, person=person, verified=True, how=how
    )


def break_glass_identity(claimed: str, request_id: str, function_arn: str, people: People) -> Identity:
    person, how = people.claim(claimed)
    return Identity(
        door=Door.BREAK_GLASS,
        evidence={"claimed_approver": claimed, "request_id": request_id, "function_arn": function_arn},
        person=person,
        verified=False,
        how=how,
    )


def console_identity(execution_arn: str, state_machine_arn: str) -> Identity:
    return Identity(
        door=Door.CONSOLE,
        evidence={"execution_arn": execution_arn, "state_machine_arn": state_machine_arn},
        person=None,
        verified=True,
        how="Step Functions does not tell the execution who started it (CloudTrail's StartExecution "
        "event does, minutes later)",
    )


def slack_identity(
    user_id: str, name: str | None, people: People, profile: Callable[[str], SlackProfile]
) -> Identity:
    """A Slack user: a `slack:<id>` mapping first, else the email Slack holds for them (users.info,
    called only when there is no mapping). A bot, a deactivated user or an unconfirmed email names
    nobody."""
    evidence = {"slack_user": user_id}
    person = people.mapped(f"slack:{user_id}")
    how = "configured mapping"
    if person is None:
        found = profile(user_id)
        if found.email:
            evidence["slack_email"] = found.email
        if found.deleted or found.is_bot:
            how = "Slack says this user is deactivated or a bot"
        elif found.email_confirmed is False:
            how = "Slack says this user's email is not confirmed"
        elif not found.email:
            how = "Slack returned no email for this user (the app needs the users:read.email scope)"
        else:
            person, how = canonical(found.email), "email from Slack users.info"
    return Identity(door=Door.SLACK, evidence=evidence, person=person, verified=True, how=how, name=name)
