from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.config import load_config
from bluegreen.errors import ReleaseInputError
from bluegreen.release.input import split_image, validate_release_input

CONFIG = load_config(Path(__file__).resolve().parents[2] / "config" / "myapp.yaml")
REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/myapp"


def test_version_alone_releases_every_service_at_that_tag() -> None:
    plan = validate_release_input({"version": "2.4.1", "triggered_by": "ci"}, CONFIG)
    assert {s.name: s.image for s in plan.services} == {
        "payment": f"{REPO}/payment:2.4.1",
        "user-login": f"{REPO}/user-login:2.4.1",
        "user-profile": f"{REPO}/user-profile:2.4.1",
    }


def test_images_change_only_the_named_services() -> None:
    digest = "sha256:" + "a" * 64
    plan = validate_release_input(
        {"version": "pay-7", "triggered_by": "ci", "images": {"payment": f"{REPO}/payment@{digest}"}}, CONFIG
    )
    images = {s.name: s.image for s in plan.services}
    assert images["payment"] == f"{REPO}/payment@{digest}"
    assert images["user-login"] is None  # runs what the active colour runs


def test_every_problem_is_reported_at_once_with_its_field() -> None:
    with pytest.raises(ReleaseInputError) as caught:
        validate_release_input(
            {"version": "ok", "triggered_by": "ci", "images": {"nope": "x:1", "payment": "evil/payment:1"}},
            CONFIG,
        )
    fields = [field for field, _ in caught.value.problems]
    assert fields == ["images.nope", "images.payment"]


def test_not_an_object_is_refused() -> None:
    with pytest.raises(ReleaseInputError, match=r"\(input\): expected a JSON object"):
        validate_release_input(["v2"], CONFIG)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("repo:1", ("repo", "1", None)),
        ("host:5000/team/repo:v2", ("host:5000/team/repo", "v2", None)),
        ("host:5000/repo@sha256:" + "b" * 64, ("host:5000/repo", None, "sha256:" + "b" * 64)),
    ],
)
def test_split_image_understands_registry_ports(
    image: str, expected: tuple[str, str | None, str | None]
) -> None:
    assert split_image(image) == expected


@pytest.mark.parametrize(
    "image", ["repo", "host:5000/repo", "repo:", "repo:-x", "repo:a b", "repo@sha256:short"]
)
def test_split_image_refuses_unpinned_or_malformed(image: str) -> None:
    with pytest.raises(ValueError, match=r"image reference|neither a tag"):
        split_image(image)


def test_manifests_must_come_from_the_configured_bucket() -> None:
    ok = validate_release_input(
        {"version": "v2", "triggered_by": "ci", "manifests": "s3://myapp-release-artifacts/v2/all.yaml"},
        CONFIG,
    )
    assert ok.input.manifests == "s3://myapp-release-artifacts/v2/all.yaml"
    with pytest.raises(ReleaseInputError, match=r"manifests: must be in s3://myapp-release-artifacts/"):
        validate_release_input(
            {"version": "v2", "triggered_by": "ci", "manifests": "s3://evil/x.yaml"}, CONFIG
        )
    without = CONFIG.model_copy(update={"manifests_bucket": None})
    with pytest.raises(ReleaseInputError, match="no manifests_bucket configured"):
        validate_release_input(
            {"version": "v2", "triggered_by": "ci", "manifests": "s3://evil/x.yaml"}, without
        )


def test_an_input_over_the_size_limit_is_refused_before_anything_else() -> None:
    images = {f"svc-{n}": "x" * 200 for n in range(100)}
    with pytest.raises(ReleaseInputError, match=r"\(input\): is [0-9,]+ bytes; the limit is 16,384"):
        validate_release_input({"version": "v2", "triggered_by": "ci", "images": images}, CONFIG)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("triggered_by", "ci\nforged"),
        ("triggered_by", "ci\u200b"),  # zero-width space
        ("change_ref", "CHG\x1b[31m"),  # terminal escape
        ("change_ref", "CHG\u2029"),
        ("version", "v2\t"),
    ],
)
def test_control_and_invisible_characters_are_refused_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(ReleaseInputError) as caught:
        validate_release_input({"version": "v2", "triggered_by": "ci", field: value}, CONFIG)
    ((problem_field, message),) = caught.value.problems
    assert problem_field == field
    assert "control or invisible character" in message


def test_ordinary_unicode_is_fine() -> None:
    plan = validate_release_input(
        {"version": "v2", "triggered_by": "Zoë Ångström", "change_ref": "変更-42 ✅"}, CONFIG
    )
    assert plan.input.triggered_by == "Zoë Ångström"


@pytest.mark.parametrize(
    ("uri", "ok"),
    [
        ("s3://myapp-release-artifacts/v2/all.yaml", True),
        ("s3://myapp-release-artifacts/v2/../x.yaml", False),
        ("s3://myapp-release-artifacts/./x.yaml", False),
        ("s3://myapp-release-artifacts/v2//x.yaml", False),
        ("s3://myapp-release-artifacts/v2/", False),
        ("s3://myapp-release-artifacts/", False),
        ("s3://myapp-release-artifacts", False),
        ("s3://myapp-release-artifacts/v2\\x.yaml", False),
        ("s3://myapp-release-artifacts/" + "k" * 1025, False),
    ],
)
def test_manifests_keys_must_be_normal(uri: str, ok: bool) -> None:
    release = {"version": "v2", "triggered_by": "ci", "manifests": uri}
    if ok:
        assert validate_release_input(release, CONFIG).input.manifests == uri
        return
    with pytest.raises(ReleaseInputError) as caught:
        validate_release_input(release, CONFIG)
    assert [f for f, _ in caught.value.problems] == ["manifests"]


def test_at_most_twenty_problems_are_listed() -> None:
    images = {f"svc-{n}": "x:1" for n in range(30)}
    with pytest.raises(ReleaseInputError) as caught:
        validate_release_input({"version": "v2", "triggered_by": "ci", "images": images}, CONFIG)
    assert len(caught.value.problems) == 21
    assert caught.value.problems[-1] == ("(input)", "and 10 more problems")


def test_commit_time_is_text_with_an_offset_and_a_clock_less_one_is_refused_by_name() -> None:
    plan = validate_release_input(
        {"version": "v2", "triggered_by": "ci", "commit_time": "2026-12-01T09:30:00Z"}, CONFIG
    )
    assert plan.input.commit_time is not None
    assert plan.input.commit_time.isoformat() == "2026-12-01T09:30:00+00:00"
    with pytest.raises(ReleaseInputError) as caught:
        validate_release_input(
            {"version": "v2", "triggered_by": "ci", "commit_time": "2026-12-01T09:30"}, CONFIG
        )
    assert [field for field, _ in caught.value.problems] == ["commit_time"]
    assert "timezone" in caught.value.problems[0][1]
