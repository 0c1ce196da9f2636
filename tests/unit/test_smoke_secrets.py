from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bluegreen.smoke.errors import SecretUnavailableError
from bluegreen.smoke.model import SecretRef
from bluegreen.smoke.secrets import InMemorySecrets, SecretsManagerSecrets, resolve, resolve_all

USER = json.dumps({"username": "smoke", "password": "pw-9f8e7d", "pin": 1234, "nested": {}})


def test_a_key_of_a_json_secret_is_resolved() -> None:
    provider = InMemorySecrets({"app/user": USER})

    assert resolve(SecretRef(name="app/user", key="password"), provider) == "pw-9f8e7d"
    assert resolve(SecretRef(name="app/user", key="pin"), provider) == "1234"
    assert resolve(SecretRef(name="app/user"), provider) == USER


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        (SecretRef(name="app/none"), "ResourceNotFoundException"),
        (SecretRef(name="app/user", key="email"), "has no key 'email'"),
        (SecretRef(name="app/user", key="nested"), "key 'nested' is not a string or a number"),
        (SecretRef(name="app/plain", key="password"), "key 'password' asked for, but it is not JSON"),
    ],
)
def test_an_unusable_secret_is_named_without_its_value(ref: SecretRef, reason: str) -> None:
    provider = InMemorySecrets({"app/user": USER, "app/plain": "pw-9f8e7d"})

    with pytest.raises(SecretUnavailableError) as caught:
        resolve(ref, provider)
    assert (caught.value.name, caught.value.reason) == (ref.name, reason)
    assert "pw-9f8e7d" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_resolve_all_maps_aliases_to_values() -> None:
    provider = InMemorySecrets({"app/user": USER})
    refs = {
        "user": SecretRef(name="app/user", key="username"),
        "pw": SecretRef(name="app/user", key="password"),
    }

    assert resolve_all(refs, provider) == {"user": "smoke", "pw": "pw-9f8e7d"}


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-west-1")


def test_secrets_manager_reads_each_secret_once(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name="myapp/prod/smoke-test-user", SecretString=USER)
    calls: list[str] = []

    class Counting:
        def get_secret_value(self, *, SecretId: str) -> Any:
            calls.append(SecretId)
            return secretsmanager.get_secret_value(SecretId=SecretId)

    provider = SecretsManagerSecrets(Counting())
    assert provider.get_secret("myapp/prod/smoke-test-user") == USER
    assert provider.get_secret("myapp/prod/smoke-test-user") == USER
    assert calls == ["myapp/prod/smoke-test-user"]
    assert "pw-9f8e7d" not in repr(provider)


def test_secrets_manager_errors_carry_the_name_and_the_aws_error_code(secretsmanager: Any) -> None:
    provider = SecretsManagerSecrets(secretsmanager)

    with pytest.raises(SecretUnavailableError) as caught:
        provider.get_secret("myapp/prod/missing")
    assert (caught.value.name, caught.value.reason) == ("myapp/prod/missing", "ResourceNotFoundException")
