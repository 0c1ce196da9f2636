"""Validate the execution input against the app config, before anything touches the cluster.

Every problem is reported with the field it is in (`images.payment`, `version`, ...), all at once
(up to MAX_PROBLEMS, then a count), so a pipeline author fixes the input in one go.

Beyond the types: the input must be at most MAX_INPUT_BYTES; no string may hold a control or
invisible formatting character (a newline in `triggered_by` would forge a line in every
notification); images must be pinned and come from their service's repository; a manifests
location must be a normal S3 key in the configured bucket (no `..`, `.` or empty segments).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from bluegreen.config import AppConfig
from bluegreen.errors import ReleaseInputError
from bluegreen.models import ServicePlan

# Docker's reference grammar: a tag is at most 128 word characters, dots and dashes, not starting
# with a dot or dash; a digest is sha256 and 64 lowercase hex digits.
TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
DIGEST = r"sha256:[0-9a-f]{64}"
_TAG_RE = re.compile(rf"^{TAG}$")
_IMAGE_RE = re.compile(
    rf"^(?P<repository>[^:@\s]+(?::[0-9]+(?=/))?[^:@\s]*)(?::(?P<tag>{TAG}))?(?:@(?P<digest>{DIGEST}))?$"
)
_S3_URI = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?$"
MAX_INPUT_BYTES = 16 * 1024
"""The execution input as compact UTF-8 JSON. Step Functions fails any state whose data exceeds
256 KiB (States.DataLimitExceeded, and the execution ends without a record); the input is carried
through the workflow beside every step's result (the release context repeats the images), so it
is kept far below. A release of every service of a large app fits in a few KiB."""
MAX_PROBLEMS = 20
"""Problems listed in one refusal: the error travels in the workflow's state, whose size is limited."""
MAX_S3_KEY_BYTES = 1024
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co"}
"""Unicode categories refused in any string: control, format (zero-width, bidirectional overrides),
line and paragraph separators, surrogates, private use."""


class ReleaseInput(BaseModel):
    """The execution input, as the pipeline sends it. Types are strict: "2" is not a list."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    version: str = Field(min_length=1, max_length=128)
    images: dict[str, str] = Field(default_factory=dict)
    triggered_by: str = Field(min_length=1, max_length=256)
    change_ref: str | None = Field(default=None, max_length=256)
    manifests: str | None = Field(default=None, pattern=_S3_URI)
    commit_time: AwareDatetime | None = Field(
        default=None,
        strict=False,  # JSON carries it as text: ISO-8601 with an offset ("2026-12-01T09:30:00Z")
        description="When the change was made (the commit, or the pipeline's start): lead time starts here",
    )


class ValidatedRelease(BaseModel):
    model_config = ConfigDict(frozen=True)

    input: ReleaseInput
    services: list[ServicePlan]


def _pydantic_problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err["loc"]) or "(input)"
        problems.append((field, err["msg"]))
    return problems


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference, or raise ValueError."""
    match = _IMAGE_RE.fullmatch(image)
    if not match:
        raise ValueError("not an image reference (expected <repository>:<tag> or <repository>@sha256:<hex>)")
    repository = match.group("repository")
    tag, digest = match.group("tag"), match.group("digest")
    # A registry port ("host:5000/repo") is part of the repository, not a tag.
    if tag is None and digest is None:
        raise ValueError("has neither a tag nor a digest: pin the image to a version")
    return repository, tag, digest


def check_image(field: str, image: str, repositories: tuple[str, ...]) -> list[tuple[str, str]]:
    """The one image rule, for `images` and for every container in manifests: pinned (tag or
    digest), and from one of `repositories`."""
    try:
        repo, _tag, _digest = split_image(image)
    except ValueError as exc:
        return [(field, f"{image!r} {exc}")]
    if repo not in repositories:
        allowed = " or ".join(repr(r) for r in repositories)
        return [(field, f"{image!r} is outside the configured repository {allowed}")]
    return []


def control_character(text: str) -> str | None:
    """A description of the first control or invisible formatting character in `text`, if any."""
    for index, char in enumerate(text):
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return f"contains a control or invisible character (U+{ord(char):04X}) at position {index}"
    return None


def _control_problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name, value in raw.items():
        if isinstance(value, str) and (problem := control_character(value)):
            problems.append((str(name), problem))
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and (problem := control_character(key)):
                    problems.append((f"{name}.{key!r}", f"the key {problem}"))
                if isinstance(item, str) and (problem := control_character(item)):
                    problems.append((f"{name}.{key}", problem))
    return problems


def manifests_key_problem(uri: str) -> str | None:
    """Why an S3 key is not a normal one (S3 keys are literal: `a/../b` is not `b`), or None."""
    key = uri.removeprefix("s3://").partition("/")[2]
    if not key:
        return "names a bucket but no object key"
    if len(key.encode("utf-8")) > MAX_S3_KEY_BYTES:
        return f"the key is longer than {MAX_S3_KEY_BYTES} bytes"
    if "\\" in key:
        return "the key contains a backslash"
    segments = key.split("/")
    if any(segment in (".", "..") for segment in segments):
        return "the key has a '.' or '..' segment: name the object itself"
    if any(segment == "" for segment in segments):
        return "the key has an empty segment (a leading, trailing or doubled '/')"
    return None


def _size_problem(raw: dict[str, Any]) -> str | None:
    size = len(json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8"))
    if size > MAX_INPUT_BYTES:
        return f"is {size:,} bytes; the limit is {MAX_INPUT_BYTES:,} (Step Functions' 256 KiB state limit)"
    return None


def _refuse(problems: list[tuple[str, str]]) -> ReleaseInputError:
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], ("(input)", f"and {more} more problems")]
    return ReleaseInputError(problems)


def validate_release_input(raw: Any, config: AppConfig) -> ValidatedRelease:
    """The release plan for every configured service, or ReleaseInputError naming each bad field."""
    if not isinstance(raw, dict):
        raise ReleaseInputError([("(input)", "expected a JSON object")])
    size = _size_problem(raw)
    if size is not None:
        raise ReleaseInputError([("(input)", size)])
    control = _control_problems(raw)
    if control:
        raise _refuse(control)
    try:
        release = ReleaseInput.model_validate(raw)
    except ValidationError as exc:
        raise _refuse(_pydantic_problems(exc)) from exc

    problems: list[tuple[str, str]] = []
    if release.manifests is not None:
        bucket = release.manifests.removeprefix("s3://").partition("/")[0]
        if config.manifests_bucket is None:
            problems.append(("manifests", "this app has no manifests_bucket configured: release images only"))
        elif bucket != config.manifests_bucket:
            problems.append(("manifests", f"must be in s3://{config.manifests_bucket}/, not {bucket}"))
        elif key_problem := manifests_key_problem(release.manifests):
            problems.append(("manifests", key_problem))
    if not _TAG_RE.fullmatch(release.version):
        problems.append(("version", f"{release.version!r} is not a valid image tag"))
    for name, reference in release.images.items():
        service = config.service(name)
        if service is None:
            known = ", ".join(config.service_names)
            problems.append((f"images.{name}", f"unknown service (configured: {known})"))
            continue
        problems += check_image(f"images.{name}", reference, (service.repository,))
    if problems:
        raise _refuse(problems)

    plans = []
    for service in config.services:
        image: str | None
        if release.images:
            image = release.images.get(service.name)
        else:
            image = f"{service.repository}:{release.version}"
        plans.append(
            ServicePlan(
                name=service.name,
                deployment=service.deployment_name,
                container=service.container_name,
                image=image,
            )
        )
    return ValidatedRelease(input=release, services=plans)
