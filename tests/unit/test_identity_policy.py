"""Identities from each door's evidence, and the approval rules over them: no AWS, no Slack."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bluegreen.adapters.slack import SlackProfile
from bluegreen.config import ApprovalsConfig, IdentitiesConfig
from bluegreen.release.approval_policy import AllowList, Vote, approval_refusal, enough, is_allowed, voters
from bluegreen.release.console import decision_state_machine_arn
from bluegreen.release.identity import (
    Door,
    Identity,
    People,
    break_glass_identity,
    cli_identity,
    console_identity,
    slack_identity,
)
from bluegreen.release.trigger import claimed_trigger, start_release_identity
from tests.unit.test_manifest_policy import CONFIG

A = "123456789012"
PEOPLE = People(
    IdentitiesConfig(
        person_session_roles=[
            f"arn:aws:iam::{A}:role/release-approver",
            f"arn:aws:iam::{A}:role/sso/Approver",
        ],
        pipeline_roles=[f"arn:aws:iam::{A}:role/release-pipeline"],
        people={
            "Alice@MyApp.com": ["github:alice", "slack:U0ALICE01", f"arn:aws:iam::{A}:user/alice"],
            "ops-bot": [f"arn:aws:iam::{A}:role/ops-personal"],
        },
    )
)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def session(role: str, name: str) -> str:
    return f"arn:aws:sts::{A}:assumed-role/{role}/{name}"


@pytest.mark.parametrize(
    ("arn", "person"),
    [
        (session("release-approver", "Bob@MyApp.com"), "bob@myapp.com"),  # session of a person role
        (session("Approver", "carol@myapp.com"), "carol@myapp.com"),  # role with a path
        (f"arn:aws:iam::{A}:user/alice", "alice@myapp.com"),  # mapped IAM user
        (session("ops-personal", "anything"), "ops-bot"),  # mapped role
        (session("developer", "bob@myapp.com"), None),  # not a person-session role: a claim
        (f"arn:aws:iam::{A}:user/mallory", None),
        (f"arn:aws:iam::{A}:role/release-approver", None),  # a role is not a person
        ("arn:aws:sts::999999999999:assumed-role/release-approver/bob", None),  # another account
    ],
)
def test_iam_principals_name_a_person_only_by_session_role_or_mapping(arn: str, person: str | None) -> None:
    assert cli_identity(arn, PEOPLE).person == person


def profile(**fields: object) -> SlackProfile:
    return SlackProfile.model_validate({"user_id": "U0X", **fields})


@pytest.mark.parametrize(
    ("found", "person", "why"),
    [
        (profile(email="Dave@MyApp.com", email_confirmed=True), "dave@myapp.com", "users.info"),
        (profile(email="dave@myapp.com"), "dave@myapp.com", "users.info"),
        (profile(email="dave@myapp.com", email_confirmed=False), None, "not confirmed"),
        (profile(email="dave@myapp.com", deleted=True), None, "deactivated"),
        (profile(email="bot@myapp.com", is_bot=True), None, "bot"),
        (profile(), None, "users:read.email"),
    ],
)
def test_slack_users_are_their_slack_email(found: SlackProfile, person: str | None, why: str) -> None:
    identity = slack_identity("U0X", "dave", PEOPLE, lambda _: found)
    assert identity.person == person
    assert why in identity.how


def test_a_slack_mapping_wins_and_slack_is_not_asked() -> None:
    def never(_: str) -> SlackProfile:
        raise AssertionError("users.info called")

    assert slack_identity("U0ALICE01", None, PEOPLE, never).person == "alice@myapp.com"


def test_pipelines_name_the_mapped_actor_they_sign_and_nobody_else() -> None:
    pipeline = session("release-pipeline", "run-1")
    assert start_release_identity(pipeline, "github:alice", PEOPLE).person == "alice@myapp.com"
    assert start_release_identity(pipeline, "github:zed", PEOPLE).person is None
    assert "must say for whom" in start_release_identity(pipeline, None, PEOPLE).how
    # a person's own session is that person, whatever they claim
    own = start_release_identity(session("release-approver", "bob@myapp.com"), "alice@myapp.com", PEOPLE)
    assert own.person == "bob@myapp.com"


@pytest.mark.parametrize(
    ("claim", "person"),
    [
        ("github:alice", "alice@myapp.com"),
        ("github:zed", None),  # an identity claim that maps to nobody names nobody
        ("slack:U0SOMEONE", None),
        (session("release-approver", "Bob@MyApp.com"), "bob@myapp.com"),
        (session("developer", "bob"), None),
        ("ci-pipeline", "ci-pipeline"),  # free text is taken as given (unverified)
        ("Carol@MyApp.com", "carol@myapp.com"),
    ],
)
def test_direct_start_claims(claim: str, person: str | None) -> None:
    trigger = claimed_trigger(claim, PEOPLE)
    assert trigger.person == person
    assert trigger.verified is False
    assert trigger.door is Door.START_EXECUTION


ALLOW = AllowList.from_config(
    ApprovalsConfig(
        approvers=[f"arn:aws:iam::{A}:role/release-approver", "U024BE7LH", "Erin@MyApp.com"],
        slack_approver_groups=["S0SRE"],
    )
)


def groups(group: str) -> set[str]:
    return {"U0INGROUP"} if group == "S0SRE" else set()


def slack(user: str, email: str | None) -> Identity:
    return slack_identity(user, None, PEOPLE, lambda _: profile(email=email))


@pytest.mark.parametrize(
    ("identity", "allowed"),
    [
        (slack("U024BE7LH", "carol@myapp.com"), True),
        (slack("U0INGROUP", "gina@myapp.com"), True),
        (slack("U0STRANGE", "erin@myapp.com"), True),  # a person on the list, through any door
        (slack("U0STRANGE", "mallory@myapp.com"), False),
        (cli_identity(session("release-approver", "bob@myapp.com"), PEOPLE), True),
        (cli_identity(session("developer", "erin@myapp.com"), PEOPLE), False),  # claim: not erin
        (break_glass_identity(session("developer", "x"), "r1", "f", PEOPLE), False),
        (break_glass_identity(session("release-approver", "bob"), "r1", "f", PEOPLE), True),
        (console_identity("arn:exec", "arn:machine"), True),  # IAM gates the console
    ],
)
def test_the_allow_list_per_door_and_by_person(identity: Identity, allowed: bool) -> None:
    assert is_allowed(identity, ALLOW, groups) is allowed


def test_approval_rules_compare_people() -> None:
    alice_cli = cli_identity(f"arn:aws:iam::{A}:user/alice", PEOPLE)
    alice_slack = slack_identity("U0ALICE01", None, PEOPLE, lambda _: profile())
    trigger = claimed_trigger("github:alice", PEOPLE)
    assert approval_refusal(alice_cli, trigger, allow_self_approval=False) is not None
    assert approval_refusal(alice_slack, trigger, allow_self_approval=False) is not None
    assert approval_refusal(alice_slack, trigger, allow_self_approval=True) is None
    bob = cli_identity(session("release-approver", "bob@myapp.com"), PEOPLE)
    assert approval_refusal(bob, trigger, allow_self_approval=False) is None
    unknown = claimed_trigger("github:zed", PEOPLE)
    assert "who triggered it is unknown" in (approval_refusal(bob, unknown, allow_self_approval=False) or "")
    nobody = cli_identity(session("developer", "x"), PEOPLE)
    assert "names no person" in (approval_refusal(nobody, trigger, allow_self_approval=True) or "")
    console = console_identity("arn:exec", "arn:machine")
    assert "can reject but not approve" in (
        approval_refusal(console, trigger, allow_self_approval=True) or ""
    )


def test_votes_count_people_not_doors() -> None:
    alice_cli = cli_identity(f"arn:aws:iam::{A}:user/alice", PEOPLE)
    alice_slack = slack_identity("U0ALICE01", None, PEOPLE, lambda _: profile())
    bob = cli_identity(session("release-approver", "bob@myapp.com"), PEOPLE)
    votes = [Vote.of(alice_slack, NOW), Vote.of(alice_cli, NOW)]
    assert voters(votes) == ["alice@myapp.com"]
    assert not enough(votes, 2)
    assert enough([*votes, Vote.of(bob, NOW)], 2)


def test_a_vote_keeps_door_evidence_and_person_and_reads_older_records() -> None:
    vote = Vote.of(slack("U024BE7LH", "carol@myapp.com"), NOW)
    item = vote.as_item()
    assert item["via"] == "slack"
    assert item["evidence"] == {"slack_user": "U024BE7LH", "slack_email": "carol@myapp.com"}
    assert Vote.model_validate(item) == vote
    older = Vote.model_validate(
        {"approver": "x", "identity": "slack:U1", "via": "slack", "at": NOW.isoformat()}
    )
    assert older.door is Door.SLACK
    assert older.verified is False


def test_the_decision_workflow_arn_follows_the_functions_partition_region_and_account() -> None:
    function = "arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:bluegreen-DecideApproval"
    assert decision_state_machine_arn(CONFIG, function) == (
        "arn:aws-us-gov:states:us-gov-west-1:111122223333:stateMachine:bluegreen-myapp-prod-decision"
    )


def test_one_evidence_names_one_person() -> None:
    with pytest.raises(ValueError, match="names both"):
        IdentitiesConfig(people={"a@x.com": ["github:a"], "b@x.com": ["github:a"]})
    with pytest.raises(ValueError, match="listed twice"):
        IdentitiesConfig(people={"A@x.com": ["github:a"], "a@x.com": ["github:b"]})


class Described:
    """DescribeExecution's answer for one execution (the shape boto3 returns)."""

    def __init__(self, **answer: object) -> None:
        self.answer = answer

    def describe(self, execution_arn: str) -> dict[str, Any]:
        return dict(self.answer)


def test_the_console_is_proven_by_the_execution_step_functions_describes() -> None:
    from bluegreen.errors import ApprovalDecisionError
    from bluegreen.release.console import ConsoleEvent, prove_console

    function = f"arn:aws:lambda:eu-west-1:{A}:function:bluegreen-DecideApproval"
    machine = f"arn:aws:states:eu-west-1:{A}:stateMachine:bluegreen-myapp-prod-decision"
    execution = f"arn:aws:states:eu-west-1:{A}:execution:bluegreen-myapp-prod-decision:e1"
    asked = {"release_id": "r1", "decision": "reject", "reason": "x"}
    event = ConsoleEvent(input=asked, execution=execution)
    genuine = Described(
        stateMachineArn=machine,
        status="RUNNING",
        input='{"release_id": "r1", "decision": "reject", "reason": "x"}',
    )
    assert prove_console(event, CONFIG, genuine.describe, function).door is Door.CONSOLE
    for wrong in (
        Described(
            stateMachineArn=machine, status="RUNNING", input='{"release_id": "r1", "decision": "approve"}'
        ),
        Described(stateMachineArn=machine, status="SUCCEEDED", input=genuine.answer["input"]),
        Described(
            stateMachineArn=machine.replace("decision", "lookalike"),
            status="RUNNING",
            input=genuine.answer["input"],
        ),
    ):
        with pytest.raises(ApprovalDecisionError, match="not a decision-workflow execution"):
            prove_console(event, CONFIG, wrong.describe, function)


@pytest.mark.parametrize(
    "execution",
    [
        f"arn:aws:states:eu-west-1:{A}:execution:myapp-prod-release:r1",  # the release workflow's
        f"arn:aws:states:eu-west-1:{A}:execution:bluegreen-myapp-prod-decision-x:e1",  # a lookalike
        "arn:aws:states:eu-west-1:999999999999:execution:bluegreen-myapp-prod-decision:e1",
        f"arn:aws:states:eu-west-1:{A}:execution:bluegreen-myapp-prod-decision:e1:extra",
        "not an arn",
    ],
)
def test_an_execution_of_another_workflow_is_refused_without_asking_step_functions(execution: str) -> None:
    from bluegreen.errors import ApprovalDecisionError
    from bluegreen.release.console import ConsoleEvent, prove_console

    function = f"arn:aws:lambda:eu-west-1:{A}:function:bluegreen-DecideApproval"
    asked: list[str] = []

    def describe(arn: str) -> dict[str, Any]:
        asked.append(arn)
        raise AssertionError("DecideApproval may describe only the decision workflow's executions")

    event = ConsoleEvent(input={"release_id": "r1", "decision": "approve"}, execution=execution)
    with pytest.raises(ApprovalDecisionError, match="not a decision-workflow execution"):
        prove_console(event, CONFIG, describe, function)
    assert asked == []
