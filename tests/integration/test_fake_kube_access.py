"""Fake-apiserver tests of authentication and authorization by bearer token, as EKS access entries and
the AmazonEKSViewPolicy / AmazonEKSEditPolicy access policies grant them."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import botocore.session
import pytest
from kubernetes import client
from kubernetes.client import ApiException

from bluegreen.adapters.kube import eks_token
from bluegreen.local.fake_kube import FakeKubeServer

VIEWER = "arn:aws:sts::123456789012:assumed-role/bluegreen-CheckRollout/local"
EDITOR = "arn:aws:sts::123456789012:assumed-role/bluegreen-Deploy/local"
WEB: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "a", "image": "a:1"}]},
        },
    },
}


@pytest.fixture
def kube():
    with FakeKubeServer(auto_complete=True) as fake:
        namespaces = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
            for n in ("blue", "green", "kube-system")
        ]
        fake.seed([*namespaces, {**WEB, "metadata": {"name": "web", "namespace": "green"}}])
        fake.seed(
            [
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": "db", "namespace": "green"},
                    "data": {},
                }
            ]
        )
        fake.grant("view-token", VIEWER, "AmazonEKSViewPolicy", ["blue", "green"])
        fake.grant("edit-token", EDITOR, "AmazonEKSEditPolicy", ["blue", "green"])
        fake.grant("admin-token", "kubernetes-admin", "AmazonEKSClusterAdminPolicy")
        yield fake


def as_user(kube: FakeKubeServer, token: str | None) -> tuple[Any, Any]:
    api = kube.api_client(token)
    return client.CoreV1Api(api), client.AppsV1Api(api)


def failure(call: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(ApiException) as failed:
        call()
    return failed.value.status, json.loads(failed.value.body or "null")


def test_without_grants_nothing_is_enforced():
    with FakeKubeServer() as fake:
        fake.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "green"}}])
        core, _ = as_user(fake, None)
        assert core.read_namespace("green").metadata.name == "green"


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_missing_or_unknown_token_is_401_unauthorized(kube, token):
    core, _ = as_user(kube, token)
    status, body = failure(lambda: core.read_namespace("green"))
    assert status == 401
    assert (body["kind"], body["reason"], body["message"], body["code"]) == (
        "Status",
        "Unauthorized",
        "Unauthorized",
        401,
    )


def test_health_and_version_answer_anyone_and_discovery_needs_a_known_token(kube):
    with urllib.request.urlopen(f"{kube.url}/healthz", timeout=5) as response:
        assert response.read() == b"ok"
    assert client.ApisApi(kube.api_client("view-token")).get_api_versions().groups
    status, _ = failure(lambda: client.ApisApi(kube.api_client("forged")).get_api_versions())
    assert status == 401


def test_view_reads_deployments_but_not_secrets(kube):
    core, apps = as_user(kube, "view-token")
    assert apps.read_namespaced_deployment("web", "green").metadata.name == "web"
    assert core.list_namespaced_config_map("green").items
    status, body = failure(lambda: core.read_namespaced_secret("db", "green"))
    assert status == 403
    assert body["reason"] == "Forbidden"
    assert body["message"] == (
        f'secrets "db" is forbidden: User "{VIEWER}" cannot get resource "secrets" in API group "" '
        'in the namespace "green"'
    )
    assert body["details"] == {"name": "db", "kind": "secrets"}


def test_view_cannot_write(kube):
    _, apps = as_user(kube, "view-token")
    status, body = failure(
        lambda: apps.patch_namespaced_deployment_scale("web", "green", {"spec": {"replicas": 0}})
    )
    assert status == 403
    assert 'cannot patch resource "deployments/scale" in API group "apps"' in body["message"]


def test_edit_writes_in_its_namespaces_only(kube):
    core, apps = as_user(kube, "edit-token")
    apps.patch_namespaced_deployment_scale("web", "green", {"spec": {"replicas": 3}})
    assert core.read_namespaced_secret("db", "green").metadata.name == "db"
    core.create_namespaced_config_map("blue", {"metadata": {"name": "web"}})
    status, body = failure(
        lambda: core.create_namespaced_config_map("kube-system", {"metadata": {"name": "x"}})
    )
    assert status == 403
    assert body["message"].endswith('in the namespace "kube-system"')


def test_namespace_scoped_access_reads_its_own_namespace_but_lists_none(kube):
    core, _ = as_user(kube, "view-token")
    assert core.read_namespace("green").metadata.name == "green"
    status, body = failure(core.list_namespace)
    assert status == 403
    assert body["message"] == (
        f'namespaces is forbidden: User "{VIEWER}" cannot list resource "namespaces" in API group "" '
        "at the cluster scope"
    )
    status, _ = failure(lambda: core.read_namespace("kube-system"))
    assert status == 403


def test_an_apply_that_creates_needs_create_as_well_as_patch(kube):
    # View can do neither; Edit can do both; the check is the apiserver's extra "create" on apply
    for token, expected in (("view-token", 403), ("edit-token", 201)):
        api = kube.api_client(token)
        request = api.param_serialize(
            method="PATCH",
            resource_path="/apis/apps/v1/namespaces/blue/deployments/web",
            query_params=[("fieldManager", "bluegreen")],
            header_params={"Content-Type": "application/apply-patch+yaml"},
            body={**WEB, "metadata": {"name": "web", "namespace": "blue"}},
            auth_settings=["BearerToken"],
        )
        response = api.call_api(*request)
        response.read()
        assert response.status == expected


def test_cluster_admin_reaches_every_namespace(kube):
    core, _ = as_user(kube, "admin-token")
    assert {n.metadata.name for n in core.list_namespace().items} >= {"blue", "green", "kube-system"}


def test_an_eks_iam_token_is_the_principal_whose_key_signed_it(kube):
    # Given the operator's access key has an access entry, and someone else's has none
    kube.grant_iam(
        "AKIAOPERATOR", "arn:aws:iam::123456789012:user/operator", "AmazonEKSViewPolicy", ["green"]
    )

    def token(access_key: str) -> str:
        session = botocore.session.Session()
        session.set_credentials(access_key, "secret")
        return eks_token("myapp-prod", "us-east-1", session)

    # When / Then: the operator's token reads, another key's token and a malformed one are 401
    core, _ = as_user(kube, token("AKIAOPERATOR"))
    assert core.read_namespace("green").metadata.name == "green"
    for other in (token("AKIASOMEONEELSE"), "k8s-aws-v1.bm90LWEtdXJs"):
        core, _ = as_user(kube, other)
        status, _ = failure(lambda core=core: core.read_namespace("green"))
        assert status == 401


def test_anonymous_requests_act_as_system_anonymous_when_granted(kube):
    kube.grant_anonymous("AmazonEKSViewPolicy", ["green"])
    core, _ = as_user(kube, None)
    assert core.read_namespace("green").metadata.name == "green"
    status, body = failure(lambda: core.read_namespaced_secret("db", "green"))
    assert status == 403
    assert 'User "system:anonymous" cannot get resource "secrets"' in body["message"]
