"""Which ServiceAccount, ConfigMaps and Secrets a Deployment's pods cannot start without."""

from __future__ import annotations

from typing import Any

from bluegreen.doctor.pod_references import CONFIG_MAP, SECRET, SERVICE_ACCOUNT, pod_references


def deployment(pod_spec: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": pod_spec}}}


def refs(pod_spec: dict[str, Any]) -> dict[tuple[str, str], tuple[set[str], bool]]:
    return {(r.kind, r.name): (set(r.keys), r.optional) for r in pod_references(deployment(pod_spec))}


def test_every_kind_of_reference_is_found() -> None:
    found = refs(
        {
            "serviceAccountName": "payment",
            "imagePullSecrets": [{"name": "registry"}],
            "volumes": [
                {
                    "name": "config",
                    "configMap": {"name": "payment-files", "items": [{"key": "app.yaml", "path": "a"}]},
                },
                {"name": "tls", "secret": {"secretName": "payment-tls"}},
                {
                    "name": "bundle",
                    "projected": {"sources": [{"configMap": {"name": "ca"}}, {"secret": {"name": "token"}}]},
                },
                {"name": "scratch", "emptyDir": {}},
            ],
            "initContainers": [{"name": "migrate", "envFrom": [{"secretRef": {"name": "db"}}]}],
            "containers": [
                {
                    "name": "payment",
                    "envFrom": [{"configMapRef": {"name": "payment-env"}}],
                    "env": [
                        {"name": "A", "value": "plain"},
                        {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "payment-env", "key": "b"}}},
                        {"name": "C", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                        {"name": "D", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    ],
                }
            ],
        }
    )
    assert found == {
        (SERVICE_ACCOUNT, "payment"): (set(), False),
        (SECRET, "registry"): (set(), False),
        (CONFIG_MAP, "payment-files"): ({"app.yaml"}, False),
        (SECRET, "payment-tls"): (set(), False),
        (CONFIG_MAP, "ca"): (set(), False),
        (SECRET, "token"): (set(), False),
        (SECRET, "db"): ({"password"}, False),
        (CONFIG_MAP, "payment-env"): ({"b"}, False),
    }


def test_the_default_service_account_and_optional_references_need_nothing() -> None:
    found = refs(
        {
            "serviceAccountName": "default",
            "containers": [
                {
                    "name": "web",
                    "envFrom": [{"configMapRef": {"name": "extras", "optional": True}}],
                    "env": [
                        {
                            "name": "X",
                            "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": True}},
                        }
                    ],
                }
            ],
        }
    )
    assert found == {(CONFIG_MAP, "extras"): (set(), True), (SECRET, "s"): ({"k"}, True)}


def test_a_reference_is_required_when_any_use_of_it_is() -> None:
    found = refs(
        {
            "volumes": [{"name": "v", "configMap": {"name": "shared", "optional": True}}],
            "containers": [{"name": "web", "envFrom": [{"configMapRef": {"name": "shared"}}]}],
        }
    )
    assert found == {(CONFIG_MAP, "shared"): (set(), False)}
