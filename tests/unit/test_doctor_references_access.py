"""A Secret the operator may not read is a warning, not a failure: View access excludes Secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubernetes.client import ApiException

from bluegreen.colors import Color
from bluegreen.config import load_config
from bluegreen.doctor.checks import Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.pod_references import CONFIG_MAP, SECRET, PodReference
from bluegreen.doctor.result import Group, Status
from bluegreen.doctor.workloads import check_reference

CONFIG = Path(__file__).resolve().parents[2] / "config" / "myapp.yaml"


class ForbiddenReader:
    def referenced(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        raise ApiException(status=403, reason="Forbidden")


def env() -> DoctorEnv:
    def unused(*args: Any) -> Any:
        raise AssertionError("no client is needed")

    return DoctorEnv(
        config=load_config(CONFIG), aws=unused, region="eu-west-1", kube=unused, slack=unused, stack_name="s"
    )


def test_a_secret_doctor_may_not_read_is_a_warning() -> None:
    checks = Checks()
    reference = PodReference(SECRET, "ledger-db", frozenset({"password"}), False, frozenset({"env"}))
    check_reference(ForbiddenReader(), "green", Color.BLUE, Color.GREEN, env(), reference, ["ledger"], checks)
    (result,) = checks.results
    assert result.status is Status.WARN
    assert result.check == "secret green/ledger-db"
    assert "may not read Secrets" in result.detail


def test_a_config_map_doctor_may_not_read_is_a_failure() -> None:
    checks = Checks()
    reference = PodReference(CONFIG_MAP, "ledger", frozenset(), False, frozenset({"env"}))
    with checks.guard(Group.KUBERNETES, "kubernetes API"):
        check_reference(
            ForbiddenReader(), "green", Color.BLUE, Color.GREEN, env(), reference, ["ledger"], checks
        )
    (result,) = checks.results
    assert result.status is Status.FAIL
    assert result.detail == "could not check: Kubernetes answered 403 Forbidden"
