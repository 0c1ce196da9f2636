"""The two colours. The SSM parameter holds exactly one of these values."""

from __future__ import annotations

from enum import StrEnum


class Color(StrEnum):
    BLUE = "blue"
    GREEN = "green"

    def other(self) -> Color:
        return Color.GREEN if self is Color.BLUE else Color.BLUE

    @classmethod
    def parse(cls, value: object) -> Color | None:
        """The colour `value` names exactly, or None: no trimming, no case folding."""
        if isinstance(value, str):
            for color in cls:
                if value == color.value:
                    return color
        return None
