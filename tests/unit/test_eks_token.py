from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import botocore.session
import pytest

from bluegreen.adapters.kube import eks_token


def test_token_is_a_presigned_get_caller_identity_bound_to_the_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    token = eks_token("myapp-prod", "eu-west-1", botocore.session.Session())
    assert token.startswith("k8s-aws-v1.")
    encoded = token.removeprefix("k8s-aws-v1.")
    url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    assert parsed.netloc == "sts.eu-west-1.amazonaws.com"
    assert query["Action"] == ["GetCallerIdentity"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0]
    assert query["X-Amz-Credential"][0].startswith("AKIDEXAMPLE/")


def _token_url(token: str) -> str:
    encoded = token.removeprefix("k8s-aws-v1.")
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("cn-north-1", "sts.cn-north-1.amazonaws.com.cn"),
        ("cn-northwest-1", "sts.cn-northwest-1.amazonaws.com.cn"),
        ("us-gov-west-1", "sts.us-gov-west-1.amazonaws.com"),
        ("eu-central-1", "sts.eu-central-1.amazonaws.com"),
    ],
)
def test_the_token_names_the_sts_endpoint_of_the_regions_partition(
    monkeypatch: pytest.MonkeyPatch, region: str, host: str
) -> None:
    # Given credentials in a China, GovCloud or commercial region
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)

    # When a token is made for a cluster there
    url = urlparse(_token_url(eks_token("myapp-prod", region, botocore.session.Session())))

    # Then EKS can verify it: the presigned call goes to that partition's STS, scoped to the region
    assert url.scheme == "https"
    assert url.netloc == host
    assert f"/{region}/sts/aws4_request" in parse_qs(url.query)["X-Amz-Credential"][0]


def test_a_local_endpoint_override_does_not_leak_into_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an AWS_ENDPOINT_URL meant for local runs (every boto3 client honours it)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")

    # When a token is made, then it still names STS, which is what EKS verifies it against
    url = urlparse(_token_url(eks_token("myapp-prod", "eu-west-1", botocore.session.Session())))
    assert url.netloc == "sts.eu-west-1.amazonaws.com"
