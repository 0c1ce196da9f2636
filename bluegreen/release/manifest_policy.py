"""What a release's manifests may contain, checked before any of them is applied.

Manifests come from the configured bucket, but a file there can still add anything: a sidecar from
any registry, a new Deployment, a Secret. So, document by document:
- its kind is one of `manifest_kinds` (config; at most what the deploy step can apply), with the
  apiVersion that kind is applied as;
- a Deployment is one of the configured services' Deployments (manifests change services, they do
  not add workloads);
- every container image (containers, initContainers, ephemeralContainers) passes the same rule as
  the input's `images`: pinned, and from the service's repository or `manifest_repositories`.
Any problem refuses the release (ReleaseInputError, outcome `refused`), naming the document.
"""

from __future__ import annotations

from typing import Any

import yaml

from bluegreen.config import AppConfig
from bluegreen.errors import ReleaseInputError
from bluegreen.release.input import MAX_PROBLEMS, check_image

API_VERSIONS = {
    "Deployment": "apps/v1",
    "Service": "v1",
    "ConfigMap": "v1",
    "Ingress": "networking.k8s.io/v1",
}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def _pod_spec(document: dict[str, Any]) -> dict[str, Any] | None:
    spec = document.get("spec")
    template = spec.get("template") if isinstance(spec, dict) else None
    pod = template.get("spec") if isinstance(template, dict) else None
    return pod if isinstance(pod, dict) else None


def _image_problems(where: str, pod: dict[str, Any], repositories: tuple[str, ...]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for list_name in CONTAINER_LISTS:
        containers = pod.get(list_name) or []
        if not isinstance(containers, list):
            problems.append((f"{where}: spec.template.spec.{list_name}", "must be a list"))
            continue
        for index, container in enumerate(containers):
            field = f"{where}: spec.template.spec.{list_name}[{index}].image"
            image = container.get("image") if isinstance(container, dict) else None
            if not isinstance(image, str):
                problems.append((field, "every container needs an image"))
                continue
            problems += check_image(field, image, repositories)
    return problems


def manifest_problems(documents: list[Any], config: AppConfig) -> list[tuple[str, str]]:
    deployments = {s.deployment_name: s for s in config.services}
    extra = tuple(config.manifest_repositories)
    problems: list[tuple[str, str]] = []
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            problems.append((f"manifests[{index}]", "is not a Kubernetes object (a mapping)"))
            continue
        kind, name = document.get("kind"), (document.get("metadata") or {}).get("name")
        where = f"manifests[{index}] ({kind} {name})"
        if kind not in config.manifest_kinds:
            allowed = ", ".join(config.manifest_kinds) or "none"
            problems.append((where, f"kind {kind!r} is not allowed in manifests (allowed: {allowed})"))
            continue
        if document.get("apiVersion") != API_VERSIONS[str(kind)]:
            problems.append((where, f"a {kind} is applied as apiVersion {API_VERSIONS[str(kind)]}"))
        if not isinstance(name, str) or not name:
            problems.append((where, "has no metadata.name"))
            continue
        if kind == "Deployment":
            service = deployments.get(name)
            if service is None:
                known = ", ".join(sorted(deployments))
                problems.append((where, f"manifests may not add Deployments (the services' are: {known})"))
                continue
            pod = _pod_spec(document)
            if pod is None:
                problems.append((where, "has no spec.template.spec"))
                continue
            problems += _image_problems(where, pod, (service.repository, *extra))
    return problems


def check_manifests(text: str, config: AppConfig) -> list[dict[str, Any]]:
    """The manifests as objects, or ReleaseInputError naming every problem (nothing applied yet)."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise ReleaseInputError([("manifests", f"not valid YAML: {exc}")]) from exc
    problems = manifest_problems(documents, config)
    if problems:
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], ("manifests", f"and {more} more problems")]
        raise ReleaseInputError(problems)
    return documents
