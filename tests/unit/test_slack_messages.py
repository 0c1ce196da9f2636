"""The approval message and the identity rules, without Slack or AWS."""

from __future__ import annotations

import json

from bluegreen.adapters.slack import (
    APPROVE_ACTION,
    ApprovalRequest,
    SlackNotifier,
    approval_blocks,
    reject_modal,
)
from bluegreen.release.identity import iam_identity_matches

REQUEST = ApprovalRequest(
    approval_id="opaque-id",
    release_id="rel-1",
    app="myapp",
    environment="prod",
    version="v2",
    triggered_by="ci-pipeline",
    change_ref="CHG-1",
    images={"payment": {"payment": "repo/payment:v2@sha256:abc"}, "user-login": {"user-login": "repo/ul:v2"}},
    smoke_summary="3/3 passed",
    alarms={"5xx": "OK"},
    color_before="blue",
    color_after="green",
    execution_url="https://console/x",
    required_approvals=1,
    timeout_at="2026-01-01T00:00:00Z",
)


def test_buttons_carry_only_the_opaque_approval_id() -> None:
    blocks = approval_blocks(REQUEST)
    actions = next(b for b in blocks if b["type"] == "actions")
    assert {e["value"] for e in actions["elements"]} == {"opaque-id"}
    text = json.dumps(blocks)
    assert "sha256:abc" in text
    assert "digest not known" in text
    assert "3/3 passed" in text


def test_decided_message_has_no_buttons() -> None:
    text = json.dumps(approval_blocks(REQUEST, decided="Approved by <@U1>"))
    assert APPROVE_ACTION not in text
    assert "Approved by <@U1>" in text


def test_reject_modal_requires_a_reason_and_keeps_the_id() -> None:
    modal = reject_modal("opaque-id", "rel-1")
    assert modal["private_metadata"] == "opaque-id"
    assert modal["blocks"][0]["type"] == "input"


def test_assumed_role_sessions_match_their_role() -> None:
    role = "arn:aws:iam::123456789012:role/release-approver"
    assert iam_identity_matches("arn:aws:sts::123456789012:assumed-role/release-approver/alice", role)
    assert iam_identity_matches(role, role)
    assert not iam_identity_matches("arn:aws:sts::123456789012:assumed-role/release-approver-x/alice", role)
    assert not iam_identity_matches("arn:aws:sts::999999999999:assumed-role/release-approver/alice", role)
    assert iam_identity_matches(
        "arn:aws:sts::123456789012:assumed-role/approver/bob", "arn:aws:iam::123456789012:role/teams/approver"
    )


def test_notifier_repr_has_no_token() -> None:
    notifier = SlackNotifier(token=lambda: "xoxb-secret", channel="C1")
    assert "xoxb-secret" not in repr(notifier)
