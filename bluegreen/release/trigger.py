"""Who started a release, verified where AWS can tell.

StartRelease (a Function URL with AuthType AWS_IAM) is the entry point for people and pipelines:
AWS verifies the caller's SigV4 signature and hands the function the caller's ARN. Before it calls
StartExecution it writes that evidence — the ARN, the `triggered_by` the caller signed, a digest of
the execution input — under `TRIGGER#<release id>` in the releases table. Prepare reads it back:
evidence that matches the input is a verified trigger. Without evidence the execution was started
directly (StartExecution, which the stack grants to StartRelease's role alone): its `triggered_by`
is only a claim, recorded as such, or refused with `require_verified_trigger`.

The person who triggered:
- a person's own IAM session (CLI): the person that principal names (identity.People.iam);
- a pipeline role (`pipeline_roles`): the person its signed `triggered_by` maps to (github:<actor>…);
- a direct start: a mapped claim; a claim naming another door's identity or a pipeline actor that
  is not mapped names nobody (then nobody can approve); any other text is taken as given.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from bluegreen.errors import ReleaseInputError
from bluegreen.release.identity import Door, Identity, People, canonical
from bluegreen.runtime import Runtime

IDENTITY_CLAIM = re.compile(r"^(arn|slack|github|gitlab|bitbucket|codebuild|codepipeline|jenkins):", re.I)
"""Claims in these forms name an identity another door can prove: they count only when mapped."""


def trigger_key(release_id: str) -> str:
    return f"TRIGGER#{release_id}"


class TriggerEvidence(BaseModel):
    """What StartRelease saw: written before StartExecution, read by Prepare."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    principal_arn: str
    claim: str | None = None
    input_digest: str
    recorded_at: datetime


def input_digest(raw: Any) -> str:
    """A digest of the execution input, the same on both sides of StartExecution."""
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def start_release_identity(principal_arn: str, claim: str | None, people: People) -> Identity:
    evidence = {"principal_arn": principal_arn, **({"claim": claim} if claim else {})}
    if people.is_pipeline(principal_arn):
        if not claim:
            person, how = (
                None,
                "a pipeline role must say for whom it starts (triggered_by: github:<actor>, ...)",
            )
        else:
            person, how = people.claim(claim)
            how = f"pipeline role, for {claim}: {how}"
    else:
        person, how = people.iam(principal_arn)
    return Identity(door=Door.START_RELEASE, evidence=evidence, person=person, verified=True, how=how)


def claimed_trigger(claim: str, people: People) -> Identity:
    """A direct StartExecution: the input's `triggered_by` is all there is."""
    person, how = people.claim(claim)
    if person is None and not IDENTITY_CLAIM.match(claim):
        person, how = canonical(claim), "the claimed name, taken as given"
    return Identity(
        door=Door.START_EXECUTION, evidence={"claim": claim}, person=person, verified=False, how=how
    )


def resolve_trigger(raw_input: Any, release_id: str, claim: str, rt: Runtime) -> Identity:
    """The trigger of a release being prepared, or ReleaseInputError (field `triggered_by`)."""
    identities = rt.config.approvals.identities
    people = People(identities)
    item = rt.releases.get_item(trigger_key(release_id))
    if item is not None:
        evidence = TriggerEvidence.model_validate(item)
        if evidence.input_digest != input_digest(raw_input):
            raise ReleaseInputError(
                [("triggered_by", "the StartRelease evidence for this release does not match its input")]
            )
        identity = start_release_identity(evidence.principal_arn, evidence.claim, people)
        if identity.person is None:
            raise ReleaseInputError([("triggered_by", f"who started it names no person: {identity.how}")])
        return identity
    if identities.require_verified_trigger:
        raise ReleaseInputError(
            [
                (
                    "triggered_by",
                    "this release was started without StartRelease, so who started it is only a claim "
                    "(approvals.identities.require_verified_trigger is on)",
                )
            ]
        )
    return claimed_trigger(claim, people)


def trigger_of_record(record: dict[str, Any] | None, claim: str, people: People) -> Identity:
    """The trigger Prepare recorded; a record from before triggers were recorded falls back to its claim."""
    raw = (record or {}).get("trigger")
    if isinstance(raw, dict):
        return Identity.model_validate(raw)
    return claimed_trigger(claim, people)
