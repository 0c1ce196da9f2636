"""Which AWS operations doctor's session lets through: reads only."""

from __future__ import annotations

import pytest

from bluegreen.doctor.readonly import is_read_only


@pytest.mark.parametrize(
    ("operation", "reads"),
    [
        ("DescribeStacks", True),
        ("GetParameter", True),
        ("ListAccessEntries", True),
        ("BatchGetImage", True),
        ("Scan", True),
        ("PutParameter", False),
        ("UpdateItem", False),
        ("DeleteAlarms", False),
        ("BatchDeleteImage", False),
        ("CreateAccessEntry", False),
        ("SendTaskSuccess", False),
        ("Invoke", False),
    ],
)
def test_read_only_operations(operation: str, reads: bool) -> None:
    assert is_read_only(operation) is reads
