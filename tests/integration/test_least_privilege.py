"""The least-privilege report: for every role of the template, the actions the handlers really called
during this session's integration runs (IAM enforced, each decision recorded) against the actions the
template grants. A grant nobody calls fails, unless tests/integration/aws_only_grants.py explains
why only an AWS run exercises it; a call the template does not grant fails too.

It runs after the other integration tests, and only when the whole integration suite ran: a partial
run would report as unused the grants that the tests left out exercise. The report is written to
build/reports/least-privilege.md either way.
"""

from __future__ import annotations

import pytest

from bluegreen.local.names import local_names
from bluegreen.local.stack_template import ROOT
from bluegreen.local.template_roles import roles_from_template
from tests.integration.aws_only_grants import AWS_ONLY
from tests.integration.conftest import incomplete_integration_run
from tests.integration.iam_session import session_iam
from tests.integration.least_privilege import problems, render, report
from tests.integration.release_world import local_config

REPORT = ROOT / "build" / "reports" / "least-privilege.md"


@pytest.mark.after_integration
def test_every_grant_is_used_or_justified_and_every_call_granted(request: pytest.FixtureRequest) -> None:
    # Given every authorization decision of this session's integration runs
    iam = session_iam()
    roles = roles_from_template(iam.template, local_names(local_config("http://127.0.0.1:9")))
    reports = report(roles, iam.log.calls(), AWS_ONLY)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(render(reports), encoding="utf-8")
    incomplete = incomplete_integration_run(request.session)
    if incomplete:
        pytest.skip(f"needs the whole integration suite in this session ({incomplete})")

    # Then each role called what it was granted, and was granted what it called
    found = problems(reports, AWS_ONLY)
    assert found == [], "\n".join([*found, f"(report: {REPORT})"])


def test_no_role_the_local_runs_enforce_relies_on_a_condition() -> None:
    # moto treats every Condition of an identity policy as met (docs/architecture.md, "IAM in the
    # local runs"): a condition on a function's or a state machine's role would be enforced
    # more loosely here than on AWS, so there must be none.
    roles = roles_from_template(session_iam().template, local_names(local_config("http://127.0.0.1:9")))
    conditioned = {
        name: statement["Action"]
        for name, role in roles.items()
        for statement in role.statements()
        if "Condition" in statement or "NotAction" in statement or "NotResource" in statement
    }
    assert conditioned == {}
