"""SigV4 signing: byte-for-byte the same Authorization header as botocore, and AWS's own test vectors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from bluegreen.gateway.aws.credentials import Credentials
from bluegreen.gateway.aws.sigv4 import canonical_request, host_header, sign_request

NOW = datetime(2026, 11, 26, 6, 58, 13, tzinfo=UTC)
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCWV1LXdlc3QtMSJHMEUCIQ+token=="

SSM_BODY = json.dumps({"Name": "/bluegreen/myapp/prod/active-color", "WithDecryption": False}).encode()
DYNAMO_BODY = json.dumps(
    {
        "TableName": "bluegreen-gateway-acks",
        "Item": {"pk": {"S": "myapp#prod"}, "sk": {"S": "gw-1"}, "version": {"N": "9"}},
    }
).encode()

CASES = [
    pytest.param(
        "https://ssm.eu-west-1.amazonaws.com/",
        "ssm",
        "eu-west-1",
        "application/x-amz-json-1.1",
        "AmazonSSM.GetParameter",
        SSM_BODY,
        id="ssm-get-parameter",
    ),
    pytest.param(
        "https://dynamodb.eu-west-1.amazonaws.com/",
        "dynamodb",
        "eu-west-1",
        "application/x-amz-json-1.0",
        "DynamoDB_20120810.PutItem",
        DYNAMO_BODY,
        id="dynamodb-put-item",
    ),
    pytest.param(
        "http://127.0.0.1:4566/",
        "dynamodb",
        "us-east-1",
        "application/x-amz-json-1.0",
        "DynamoDB_20120810.PutItem",
        DYNAMO_BODY,
        id="dynamodb-endpoint-with-port",
    ),
    pytest.param(
        "https://ssm.cn-north-1.amazonaws.com.cn:8443/",
        "ssm",
        "cn-north-1",
        "application/x-amz-json-1.1",
        "AmazonSSM.GetParameter",
        SSM_BODY,
        id="ssm-https-with-port",
    ),
]


def botocore_signed(
    monkeypatch: pytest.MonkeyPatch,
    *,
    url: str,
    service: str,
    region: str,
    headers: dict[str, str],
    body: bytes,
    token: str | None,
) -> dict[str, str]:
    """Sign with botocore at NOW, freezing its clock the way its own tests do."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method="POST", url=url, headers=dict(headers), data=body)
    SigV4Auth(BotoCredentials(ACCESS_KEY, SECRET_KEY, token), service, region).add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize("token", [None, TOKEN], ids=["long-term-keys", "session-token"])
@pytest.mark.parametrize(("url", "service", "region", "content_type", "target", "body"), CASES)
def test_signature_matches_botocore(monkeypatch, url, service, region, content_type, target, body, token):
    # Given the headers the JSON client sends for one call
    headers = {"Content-Type": content_type, "X-Amz-Target": target, "User-Agent": "bluegreen-gateway"}

    # When both implementations sign it at the same instant
    ours = sign_request(
        method="POST",
        url=url,
        headers=headers,
        body=body,
        credentials=Credentials(ACCESS_KEY, SECRET_KEY, token),
        region=region,
        service=service,
        now=NOW,
    )
    theirs = botocore_signed(
        monkeypatch, url=url, service=service, region=region, headers=headers, body=body, token=token
    )

    # Then the signature and every header botocore adds are identical
    assert ours["Authorization"] == theirs["Authorization"]
    assert ours["X-Amz-Date"] == theirs["X-Amz-Date"] == "20261126T065813Z"
    assert ours.get("X-Amz-Security-Token") == theirs.get("X-Amz-Security-Token") == token
    assert "X-Amz-Content-SHA256" not in theirs
    assert not any(name.lower() == "x-amz-content-sha256" for name in ours)
    signed = "content-type;host;x-amz-date;" + ("x-amz-security-token;" if token else "") + "x-amz-target"
    assert f"SignedHeaders={signed}," in ours["Authorization"]
    assert ours["User-Agent"] == "bluegreen-gateway"


def test_host_header_keeps_only_non_default_ports():
    # Given endpoints with default, explicit default and custom ports
    # When their Host values are derived
    # Then the port appears only when the scheme does not imply it
    assert host_header("https://SSM.eu-west-1.amazonaws.com/") == "ssm.eu-west-1.amazonaws.com"
    assert host_header("https://ssm.eu-west-1.amazonaws.com:443/") == "ssm.eu-west-1.amazonaws.com"
    assert host_header("http://localhost:80/") == "localhost"
    assert host_header("http://127.0.0.1:5000/") == "127.0.0.1:5000"
    assert host_header("http://[::1]:5000/") == "[::1]:5000"


def test_naive_and_aware_times_sign_the_same():
    # Given one instant as an aware UTC time, as a naive UTC time, and in another zone
    instants = (NOW, NOW.replace(tzinfo=None), NOW.astimezone(timezone(timedelta(hours=5))))

    # When each is used to sign
    signatures = {
        sign_request(
            method="POST",
            url="https://ssm.eu-west-1.amazonaws.com/",
            headers={"Content-Type": "application/x-amz-json-1.1"},
            body=SSM_BODY,
            credentials=Credentials(ACCESS_KEY, SECRET_KEY),
            region="eu-west-1",
            service="ssm",
            now=now,
        )["Authorization"]
        for now in instants
    }

    # Then they all produce the same signature
    assert len(signatures) == 1


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (
            "https://example.amazonaws.com/",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
    ],
    ids=["get-vanilla", "get-vanilla-query-order-key-case"],
)
def test_aws_signature_v4_test_suite(url, signature):
    # Given a request from AWS's published SigV4 test suite
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    # When it is signed at the suite's instant
    headers = sign_request(
        method="GET",
        url=url,
        headers={},
        body=b"",
        credentials=credentials,
        region="us-east-1",
        service="service",
        now=datetime(2015, 8, 30, 12, 36, tzinfo=UTC),
    )

    # Then the Authorization header is the published one
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={signature}"
    )


def test_canonical_request_normalises_path_query_and_header_values():
    # Given a URL with dot segments, doubled slashes, an encoded space and an unsorted query
    headers = {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z", "My-Header1": "  a   b  "}

    # When its canonical request is built
    canonical, signed = canonical_request(
        method="get",
        url="https://example.amazonaws.com/a/./b//../c%20d?b=2&a=x%20y&a=1",
        headers=headers,
        body=b"",
    )

    # Then the path, query and headers are in the spec's canonical form
    lines = canonical.split("\n")
    assert lines[:3] == ["GET", "/a/c%2520d", "a=1&a=x%20y&b=2"]
    assert "my-header1:a b" in lines
    assert signed == "host;my-header1;x-amz-date"
