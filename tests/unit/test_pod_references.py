"""Every place a pod spec names a ServiceAccount, ConfigMap or Secret of its namespace."""

from __future__ import annotations

from bluegreen.release.pod_references import PodReference, pod_references


def test_a_bare_pod_runs_as_the_default_service_account() -> None:
    assert pod_references({"containers": [{"name": "app", "image": "a:1"}]}) == [
        PodReference("ServiceAccount", "default", "(default)")
    ]


def test_every_kind_of_reference_is_found_with_where_and_whether_optional() -> None:
    # Given a pod spec using each way of naming an object
    spec = {
        "serviceAccountName": "payment",
        "imagePullSecrets": [{"name": "registry"}],
        "initContainers": [{"name": "migrate", "envFrom": [{"secretRef": {"name": "db"}}]}],
        "containers": [
            {
                "name": "payment",
                "env": [
                    {"name": "PLAIN", "value": "x"},
                    {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "level"}}},
                    {
                        "name": "PASS",
                        "valueFrom": {"secretKeyRef": {"name": "db", "key": "p", "optional": True}},
                    },
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                ],
                "envFrom": [{"configMapRef": {"name": "flags", "optional": True}}],
            }
        ],
        "volumes": [
            {"name": "tls", "secret": {"secretName": "tls"}},
            {"name": "cfg", "configMap": {"name": "cfg"}},
            {
                "name": "all",
                "projected": {"sources": [{"configMap": {"name": "ca"}}, {"secret": {"name": "tok"}}]},
            },
            {"name": "tmp", "emptyDir": {}},
        ],
    }
    # When
    found = pod_references(spec)
    # Then
    assert found == [
        PodReference("ServiceAccount", "payment", "serviceAccountName"),
        PodReference("Secret", "registry", "imagePullSecrets[0]"),
        PodReference("Secret", "db", "initContainers[migrate].envFrom[0]"),
        PodReference("ConfigMap", "cfg", "containers[payment].env[LEVEL]"),
        PodReference("Secret", "db", "containers[payment].env[PASS]", optional=True),
        PodReference("ConfigMap", "flags", "containers[payment].envFrom[0]", optional=True),
        PodReference("Secret", "tls", "volumes[tls]"),
        PodReference("ConfigMap", "cfg", "volumes[cfg]"),
        PodReference("ConfigMap", "ca", "volumes[all].projected"),
        PodReference("Secret", "tok", "volumes[all].projected"),
    ]
