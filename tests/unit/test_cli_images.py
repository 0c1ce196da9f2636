"""`--image SERVICE=IMAGE` is parsed after whitespace is stripped: a service given twice is a usage
error however it is spaced."""

from __future__ import annotations

import click
import pytest

from bluegreen.cli.release import _parse_images


def test_a_service_given_twice_with_different_spacing_is_refused() -> None:
    with pytest.raises(click.BadParameter, match="payment given twice"):
        _parse_images(("payment=repo/payment:v2", " payment =repo/payment:v3"))


def test_whitespace_around_names_and_images_is_stripped() -> None:
    assert _parse_images((" payment = repo/payment:v2 ",)) == {"payment": "repo/payment:v2"}
