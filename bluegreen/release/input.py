"""Validate the execution input against the app config, before anything touches the cluster.

Every problem is reported with the field it is in (`images.payment`, `version`, ...), all at once,
so a pipeline author fixes the input in one go.
"""

from __future__ import annotations

import re
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


def _check_image(field: str, image: str, repository: str) -> list[tuple[str, str]]:
    try:
        repo, _tag, _digest = split_image(image)
    except ValueError as exc:
        return [(field, f"{image!r} {exc}")]
    if repo != repository:
        return [(field, f"{image!r} is outside the configured repository {repository!r}")]
    return []


def validate_release_input(raw: Any, config: AppConfig) -> ValidatedRelease:
    """The release plan for every configured service, or ReleaseInputError naming each bad field."""
    if not isinstance(raw, dict):
        raise ReleaseInputError([("(input)", "expected a JSON object")])
    try:
        release = ReleaseInput.model_validate(raw)
    except ValidationError as exc:
        raise ReleaseInputError(_pydantic_problems(exc)) from exc

    problems: list[tuple[str, str]] = []
    if release.manifests is not None:
        bucket = release.manifests.removeprefix("s3://").partition("/")[0]
        if config.manifests_bucket is None:
            problems.append(("manifests", "this app has no manifests_bucket configured: release images only"))
        elif bucket != config.manifests_bucket:
            problems.append(("manifests", f"must be in s3://{config.manifests_bucket}/, not {bucket}"))
    if not _TAG_RE.fullmatch(release.version):
        problems.append(("version", f"{release.version!r} is not a valid image tag"))
    for name, reference in release.images.items():
        service = config.service(name)
        if service is None:
            known = ", ".join(config.service_names)
            problems.append((f"images.{name}", f"unknown service (configured: {known})"))
            continue
        problems += _check_image(f"images.{name}", reference, service.repository)
    if problems:
        raise ReleaseInputError(problems)

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
