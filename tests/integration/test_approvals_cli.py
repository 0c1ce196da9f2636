"""`bluegreen approve/reject`: a SigV4-signed call to DecideApproval's Function URL, on a real release.

A loopback server plays the Function URL: like AWS, it accepts only a SigV4-signed request and
hands the function the caller's ARN (mapped from the access key) in requestContext; the CLI
itself never says who is deciding.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from click.testing import CliRunner

import lambdas.decide_approval as decide_approval
from bluegreen.cli import commands  # noqa: F401 - registers approve/reject
from bluegreen.cli.main import cli
from bluegreen.local.workflow import FakeContext, LocalWorkflow
from tests.integration.release_world import MYAPP, release_world

ALICE = "arn:aws:sts::123456789012:assumed-role/release-approver/alice"
MALLORY = "arn:aws:sts::123456789012:assumed-role/developer/mallory"


@contextmanager
def function_url(workflow: LocalWorkflow, identity: str) -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"])).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.append(headers)
            authorization = headers.get("authorization", "")
            if not authorization.startswith("AWS4-HMAC-SHA256 Credential=") or "x-amz-date" not in headers:
                self._reply(403, {"Message": "Forbidden"})
                return
            event = {
                "body": body,
                "isBase64Encoded": False,
                "requestContext": {"authorizer": {"iam": {"userArn": identity}}},
            }
            context = cast(Any, FakeContext("DecideApproval"))
            with workflow.acting_as("DecideApproval"):
                result = decide_approval.handler(event, context, rt=workflow.runtime_for("DecideApproval"))
            self._reply(result["statusCode"], json.loads(result["body"]))

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    finally:
        server.shutdown()
        server.server_close()


def run(url: str, *args: str) -> Any:
    env = {"BLUEGREEN_DECIDE_URL": url, "AWS_REGION": "us-east-1"}
    return CliRunner().invoke(cli, ["--config", str(MYAPP), *args], env=env, catch_exceptions=False)


def test_approve_from_the_cli_records_the_verified_iam_identity() -> None:
    with release_world() as world:
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci-pipeline"})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        with function_url(world.workflow, ALICE) as (url, seen):
            result = run(url, "approve", release_id)
        assert result.exit_code == 0, result.output
        assert "approved by" in result.output
        assert seen[0]["authorization"].startswith("AWS4-HMAC-SHA256")
        assert world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"
        (vote,) = world.workflow.record(release_id)["approval"]["votes"]
        assert vote["identity"] == ALICE
        assert vote["via"] == "cli"


def test_reject_from_the_cli_needs_a_reason_and_records_it() -> None:
    with release_world() as world:
        arn = world.workflow.start({"version": "v2", "triggered_by": "ci-pipeline"})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        with function_url(world.workflow, ALICE) as (url, _):
            assert run(url, "reject", release_id).exit_code == 2  # --reason is required
            result = run(url, "--json", "reject", release_id, "--reason", "payments freeze")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["status"] == "rejected"
        assert world.workflow.wait_for_end(arn)["status"] == "FAILED"
        record = world.workflow.record(release_id)
        assert record["approval"]["reason"] == "payments freeze"
        assert record["approval"]["by"] == ALICE


@pytest.mark.parametrize(
    ("identity", "triggered_by", "refusal"),
    [
        (MALLORY, "ci-pipeline", "is not an approver"),
        (ALICE, "alice", "cannot approve"),
    ],
)
def test_refused_decisions_exit_1_with_the_reason(identity: str, triggered_by: str, refusal: str) -> None:
    with release_world() as world:
        arn = world.workflow.start({"version": "v2", "triggered_by": triggered_by})
        release_id = arn.rsplit(":", 1)[-1]
        world.workflow.wait_for_approval_request(release_id)
        with function_url(world.workflow, identity) as (url, _):
            result = run(url, "approve", release_id)
        assert result.exit_code == 1
        assert refusal in result.output
        assert world.workflow.describe(arn)["status"] == "RUNNING"
        world.workflow.decide(
            release_id, "reject", "arn:aws:iam::123456789012:role/release-approver", "test over"
        )
