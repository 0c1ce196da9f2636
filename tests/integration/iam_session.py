"""IAM as the stack grants it, for every local run of this test session.

The template is synthesized once per change of its inputs (cached under build/templates/); every
integration world runs its handlers with their own roles from it, and records each authorization
decision in one session-wide log that the least-privilege report reads.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bluegreen.local.iam_roles import IamEnforcement
from bluegreen.local.stack_template import synthesized_template

MYAPP = Path(__file__).resolve().parents[2] / "config" / "myapp.yaml"


@cache
def session_iam() -> IamEnforcement:
    """The stack's IAM for config/myapp.yaml, and this session's log of decisions."""
    return IamEnforcement(synthesized_template(MYAPP))
