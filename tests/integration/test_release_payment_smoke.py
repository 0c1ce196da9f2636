"""The workflow's SmokeTests step runs myapp's payment suite (config/myapp.yaml) against the
emulated myapp API: a passing suite lets the release reach approval, a failing one stops it."""

from __future__ import annotations

import json

import boto3

from bluegreen.local.names import REGION
from bluegreen.smoke import InMemorySecrets
from tests.integration.release_world import release_world
from tests.integration.smoke.myapp_api import MASTERCARD, PASSWORD, SECRETS, MyAppApi


def test_passing_payment_suite_lets_the_release_through() -> None:
    with MyAppApi() as api, release_world(preprod_url=api.url) as world:
        # Given the suite's secrets in Secrets Manager, read by SmokeTests with its own role
        secretsmanager = boto3.client("secretsmanager", region_name=REGION)
        for name, value in SECRETS.items():
            secretsmanager.create_secret(Name=name, SecretString=value)

        release_id, execution = world.release("v2")
        assert execution["status"] == "SUCCEEDED", execution
        record = world.workflow.record(release_id)
        assert record["smoke"]["passed"] is True
        assert "PASSED" in record["smoke"]["summary"]
        assert any(path.startswith("/payment") for _, path in api.requests)


def test_processor_declining_everything_stops_the_release_before_approval() -> None:
    with MyAppApi() as api, release_world(preprod_url=api.url, secrets=InMemorySecrets(SECRETS)) as world:
        api.switches.decline_all = True
        release_id, execution = world.release("v2", approve=False)
        assert execution["status"] == "FAILED"
        assert world.active_color() == "blue"
        record = world.workflow.record(release_id)
        assert record["outcome"] == "failed"
        assert "FAILED" in record["reason"]
        assert "approval" not in record
        # the stored report and the reason never carry the test user's password or card number
        stored = json.dumps(record)
        assert PASSWORD not in stored
        assert MASTERCARD not in stored
