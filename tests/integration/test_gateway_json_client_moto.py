"""The stdlib JSON client against moto's server: SSM GetParameter and DynamoDB PutItem round trips."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from bluegreen.gateway.aws import AwsServiceError, CredentialChain, JsonApiClient

REGION = "eu-west-1"
PARAMETER = "/bluegreen/myapp/prod/active-color"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake keys for moto and boto3 alike; never a real account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing-session")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def boto_ssm(url: str) -> Any:
    return boto3.client("ssm", region_name=REGION, endpoint_url=url)


def boto_dynamodb(url: str) -> Any:
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=url)


@pytest.fixture
def ssm(moto_url: str) -> Iterator[JsonApiClient]:
    with JsonApiClient(
        service="ssm",
        target_prefix="AmazonSSM",
        json_version="1.1",
        region=REGION,
        credentials=CredentialChain(),
        endpoint_url=moto_url,
    ) as client:
        yield client


@pytest.fixture
def dynamodb(moto_url: str) -> Iterator[JsonApiClient]:
    with JsonApiClient(
        service="dynamodb",
        target_prefix="DynamoDB_20120810",
        json_version="1.0",
        region=REGION,
        credentials=CredentialChain(),
        endpoint_url=moto_url,
    ) as client:
        yield client


def test_get_parameter_returns_value_and_version(moto_url, ssm):
    # Given a parameter written twice with boto3
    name = f"{PARAMETER}-{uuid.uuid4().hex[:8]}"
    boto_ssm(moto_url).put_parameter(Name=name, Value="blue", Type="String")
    boto_ssm(moto_url).put_parameter(Name=name, Value="green", Type="String", Overwrite=True)

    # When the stdlib client reads it
    answer = ssm.call("GetParameter", {"Name": name, "WithDecryption": False})

    # Then it sees the latest value and version
    assert answer["Parameter"]["Value"] == "green"
    assert answer["Parameter"]["Version"] == 2


def test_missing_parameter_is_parameter_not_found(ssm):
    # Given no such parameter
    # When the stdlib client reads it
    with pytest.raises(AwsServiceError) as raised:
        ssm.call("GetParameter", {"Name": "/bluegreen/nope/prod/active-color"})

    # Then the error code is SSM's
    assert raised.value.code == "ParameterNotFound"
    assert raised.value.status == 400


def test_put_item_is_read_back_by_boto3(moto_url, dynamodb):
    # Given a table created with boto3
    table = f"bluegreen-acks-{uuid.uuid4().hex[:8]}"
    boto_dynamodb(moto_url).create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {"pk": {"S": "myapp#prod#gw-1"}, "colour": {"S": "green"}, "version": {"N": "9"}}

    # When the stdlib client puts an item
    answer = dynamodb.call("PutItem", {"TableName": table, "Item": item})

    # Then boto3 reads the same item back
    assert answer == {}
    stored = boto_dynamodb(moto_url).get_item(TableName=table, Key={"pk": {"S": "myapp#prod#gw-1"}})
    assert stored["Item"] == item


def test_put_item_to_a_missing_table_is_resource_not_found(dynamodb):
    # Given no such table
    # When the stdlib client puts an item into it
    with pytest.raises(AwsServiceError) as raised:
        dynamodb.call("PutItem", {"TableName": "bluegreen-missing", "Item": {"pk": {"S": "x"}}})

    # Then the namespaced __type is reduced to DynamoDB's code
    assert raised.value.code == "ResourceNotFoundException"
