"""DeployToIdle: make the idle namespace a copy of the active one, then apply the release on top.

Every configured service is deployed, not only the changed ones: a release that changes one service
must never leave the others on whatever stale version the idle colour ran last time. Nothing is
written when the idle namespace lacks a ServiceAccount, ConfigMap or Secret the pods would need
(`idle_prerequisites`): the release is refused with each missing object named.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import yaml

from bluegreen.adapters.failures import classify
from bluegreen.adapters.kube import Deployments, NamespacedObjects
from bluegreen.errors import DeployError, TransientError
from bluegreen.models import DeployedService, DeployResult, ReleaseContext, ServicePlan
from bluegreen.release.idle_prerequisites import ObjectLookup, check_idle_prerequisites
from bluegreen.release.manifest_policy import check_manifests
from bluegreen.release.rollout import container_images
from bluegreen.runtime import Runtime

RELEASE_ANNOTATION = "bluegreen.io/release-id"
MAX_PARALLEL = 8


class ServiceDeployError(Exception):
    """One service could not be deployed; collected into a DeployError naming every service."""


def _copy_for_idle(active: dict[str, Any], release_id: str) -> dict[str, Any]:
    """A new idle Deployment from the active one's spec (server-set fields dropped)."""
    metadata = active.get("metadata", {})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": metadata["name"],
            "labels": metadata.get("labels", {}),
            "annotations": {RELEASE_ANNOTATION: release_id},
        },
        "spec": copy.deepcopy(active["spec"]),
    }


def deploy_service(plan: ServicePlan, context: ReleaseContext, deployments: Deployments) -> DeployedService:
    active = deployments.read(context.active_namespace, plan.deployment)
    if active is None:
        raise ServiceDeployError(
            f"deployment {plan.deployment} not found in active namespace {context.active_namespace}"
        )
    images = container_images(active)
    if plan.container not in images:
        raise ServiceDeployError(f"container {plan.container} not in deployment {plan.deployment}")
    desired = dict(images)
    if plan.image:
        desired[plan.container] = plan.image
    replicas = int(active.get("spec", {}).get("replicas", 1))

    idle = deployments.read(context.idle_namespace, plan.deployment)
    if idle is None:
        body = _copy_for_idle(active, context.release_id)
        body["spec"]["replicas"] = replicas
        for container in body["spec"]["template"]["spec"]["containers"]:
            container["image"] = desired[container["name"]]
        result = deployments.create(context.idle_namespace, body)
        changed = True
    else:
        before = int(idle.get("metadata", {}).get("generation") or 0)
        patch = {
            "metadata": {"annotations": {RELEASE_ANNOTATION: context.release_id}},
            "spec": {
                "replicas": replicas,
                "template": {"spec": {"containers": [{"name": n, "image": i} for n, i in desired.items()]}},
            },
        }
        result = deployments.patch(context.idle_namespace, plan.deployment, patch)
        changed = int(result.get("metadata", {}).get("generation") or 0) != before
    return DeployedService(
        name=plan.name,
        deployment=plan.deployment,
        image=desired[plan.container],
        images=container_images(result),
        replicas=replicas,
        generation=int(result.get("metadata", {}).get("generation") or 0),
        changed=changed,
    )


def _parse_manifests(text: str | None) -> list[dict[str, Any]]:
    return [manifest for manifest in yaml.safe_load_all(text or "") if manifest]


def refuse_missing_prerequisites(
    context: ReleaseContext,
    rt: Runtime,
    deployments: Deployments,
    objects: ObjectLookup,
    manifests: list[dict[str, Any]],
) -> None:
    """DeployError naming every object the idle pods would miss; warnings for optional ones."""
    report = check_idle_prerequisites(context, deployments, objects, manifests)
    idle, live = context.idle_namespace, context.active_namespace
    if report.optional_missing:
        rt.releases.update_record(context.release_id, {"deploy_warnings": report.warnings(idle, live)})
    if report.missing:
        failures = report.failures(idle, live)
        missing = [o.as_record() for objects in report.missing.values() for o in objects]
        rt.releases.update_record(
            context.release_id,
            {"deploy_failures": failures, "missing_in_idle": missing},
            step="deploy_failed",
        )
        raise DeployError(failures)


def deploy_to_idle(context: ReleaseContext, rt: Runtime, manifests_text: str | None = None) -> DeployResult:
    check_manifests(manifests_text or "", rt.config)  # kinds and images allowed, before any apply
    api_client = rt.kube()
    deployments = Deployments(api_client)
    manifests = _parse_manifests(manifests_text)
    refuse_missing_prerequisites(context, rt, deployments, NamespacedObjects(api_client), manifests)
    for manifest in manifests:
        deployments.apply(context.idle_namespace, manifest)
    results: dict[str, DeployedService] = {}
    failures: dict[str, str] = {}
    transient: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(context.services))) as pool:
        futures = {
            plan.name: pool.submit(deploy_service, plan, context, deployments) for plan in context.services
        }
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except Exception as exc:  # collected per service; the error names each one
                failure = classify(exc)
                if isinstance(failure, TransientError):
                    transient[name] = str(failure)
                else:
                    failures[name] = str(failure or exc) or type(exc).__name__
    now = rt.clock()
    if transient and not failures:
        # A blip (a 5xx, a reset connection, a conflict): every write here converges when re-run,
        # so the workflow retries the whole step.
        text = "; ".join(f"{svc}: {reason}" for svc, reason in sorted(transient.items()))
        raise TransientError("Kubernetes", "deploy", text)
    failures.update(transient)
    if failures:
        rt.releases.update_record(context.release_id, {"deploy_failures": failures}, step="deploy_failed")
        raise DeployError(failures)
    services = [results[plan.name] for plan in context.services]
    rt.releases.update_record(
        context.release_id,
        {"deployed": {s.name: {"image": s.image, "replicas": s.replicas} for s in services}},
        step="deployed",
    )
    return DeployResult(
        services=services,
        deployed_at=now,
        rollout_deadline=now + timedelta(seconds=rt.config.rollout.timeout_seconds),
    )
