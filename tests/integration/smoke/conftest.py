"""Fixtures: the emulated myapp API (plain, trusted TLS, broken TLS) and the default suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bluegreen.config import load_config
from bluegreen.smoke import InMemorySecrets, SmokeReport, SmokeSuite, run_suite
from tests.integration.smoke.myapp_api import SECRETS, MyAppApi
from tests.integration.smoke.tls import TlsFiles, make_tls_files

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def default_suite() -> SmokeSuite:
    suite = load_config(REPO / "config" / "myapp.yaml").smoke.suite
    assert suite is not None
    return suite


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusting_test_ca(tls_files: TlsFiles) -> Callable[..., httpx.Client]:
    """A client factory that trusts the test CA instead of the system store (verify stays on)."""

    def factory(**kwargs: Any) -> httpx.Client:
        if kwargs.get("verify") is True:
            kwargs["verify"] = tls_files.client_context()
        return httpx.Client(**kwargs)

    return factory


@pytest.fixture
def myapp_api(tls_files: TlsFiles) -> Iterator[MyAppApi]:
    with MyAppApi("trusted", tls_files) as api:
        yield api


@pytest.fixture
def run(
    default_suite: SmokeSuite, myapp_api: MyAppApi, trusting_test_ca: Callable[..., httpx.Client]
) -> Callable[..., SmokeReport]:
    """Run a suite (the default one unless given) against the emulated API over verified TLS."""

    def go(suite: SmokeSuite | None = None, **overrides: Any) -> SmokeReport:
        arguments: dict[str, Any] = {
            "secrets": InMemorySecrets(SECRETS),
            "deadline_seconds": 15.0,
            "client_factory": trusting_test_ca,
        }
        arguments.update(overrides)
        return run_suite(suite or default_suite, myapp_api.url, **arguments)

    return go
