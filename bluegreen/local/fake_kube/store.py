"""The fake cluster's state and the apiserver's write rules, independent of HTTP.

Every write goes through ``_commit``, which sets what the server owns (uid, creationTimestamp,
resourceVersion, generation), keeps status and spec apart (the main resource cannot write status,
``/status`` cannot write anything else), skips no-op writes, and lets the rollout mode play the
deployment controller after a spec change.
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bluegreen.local.fake_kube import controller, errors
from bluegreen.local.fake_kube.controller import RolloutMode
from bluegreen.local.fake_kube.patches import APPLY_PATCH, PATCH_TYPES, apply_patch, strategic_merge_patch
from bluegreen.local.fake_kube.resources import (
    DEPLOYMENTS,
    NAMESPACES,
    SERVICES,
    ResourceType,
    apply_defaults,
    initial_status,
    resource_type_for_kind,
    validate,
)
from bluegreen.local.fake_kube.selectors import field_selector_matcher, label_selector_matcher

logger = logging.getLogger(__name__)

Obj = dict[str, Any]
ChangeListener = Callable[[str, str, Obj], None]
"""Called as (event, namespace, deployment) with event ADDED, MODIFIED or DELETED."""

_Key = tuple[str, str, str]  # (plural, namespace or "" when cluster-scoped, name)
_Event = tuple[str, str, Obj]
_NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class Store:
    """Thread-safe objects of the fake cluster. Methods raise ``KubeApiError`` like the apiserver would."""

    def __init__(self, *, auto_complete: bool = False, on_change: ChangeListener | None = None) -> None:
        self.default_mode = RolloutMode.COMPLETE if auto_complete else RolloutMode.MANUAL
        self.on_change = on_change
        self._lock = threading.RLock()
        self._objects: dict[_Key, Obj] = {}
        self._modes: dict[tuple[str, str], RolloutMode] = {}
        self._resource_version = 0
        self._services_created = 0

    # --- reads ---------------------------------------------------------------------------------

    def get(self, rtype: ResourceType, namespace: str, name: str, subresource: str | None = None) -> Obj:
        with self._lock:
            obj = self._existing(rtype, namespace, name)
            return _scale_view(obj) if subresource == "scale" else copy.deepcopy(obj)

    def list_objects(
        self, rtype: ResourceType, namespace: str | None, label_selector: str = "", field_selector: str = ""
    ) -> Obj:
        """A ``<Kind>List``; ``namespace=None`` lists across all namespaces."""
        label_matches = label_selector_matcher(label_selector)
        field_matches = field_selector_matcher(field_selector)
        with self._lock:
            items = [
                copy.deepcopy(obj)
                for (plural, obj_namespace, _), obj in sorted(self._objects.items())
                if plural == rtype.plural
                and (namespace is None or obj_namespace == namespace)
                and label_matches(obj)
                and field_matches(obj)
            ]
            list_version = str(self._resource_version)
        return {
            "kind": f"{rtype.kind}List",
            "apiVersion": rtype.api_version,
            "metadata": {"resourceVersion": list_version},
            "items": items,
        }

    def get_object(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        """A copy of the stored object, or None; ``kind`` is "Deployment", "deployments"..."""
        rtype = resource_type_for_kind(kind)
        with self._lock:
            obj = self._objects.get(_key(rtype, namespace or "", name))
            return copy.deepcopy(obj) if obj is not None else None

    # --- writes --------------------------------------------------------------------------------

    def create(self, rtype: ResourceType, namespace: str, body: Any, *, dry_run: bool = False) -> Obj:
        with self._writing() as events:
            return self._create(rtype, namespace, body, dry_run=dry_run, events=events)

    def replace(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> Obj:
        with self._writing() as events:
            old = self._existing(rtype, namespace, name)
            new = _object_body(body)
            new["metadata"].setdefault("name", name)
            if subresource == "scale":
                return _scale_view(self._write_scale(old, new, dry_run=dry_run, events=events))
            _check_name(new, name)
            return self._commit(
                rtype,
                namespace,
                old,
                new,
                dry_run=dry_run,
                events=events,
                status_only=subresource == "status",
            )

    def patch(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        patch_type: str,
        body: Any,
        *,
        subresource: str | None = None,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
    ) -> tuple[Obj, bool]:
        """The patched object and whether it was created (only server-side apply creates)."""
        if patch_type not in PATCH_TYPES:
            raise errors.unsupported_media_type(patch_type)
        if patch_type == APPLY_PATCH and not field_manager:
            raise errors.invalid(
                "PatchOptions",
                "meta.k8s.io",
                "",
                [("fieldManager", "Required value: is required for apply patch")],
            )
        if patch_type != APPLY_PATCH and force is not None:
            raise errors.invalid(
                "PatchOptions",
                "meta.k8s.io",
                "",
                [("force", "Forbidden: may not be specified for non-apply patch")],
            )
        with self._writing() as events:
            old = self._objects.get(_key(rtype, namespace, name))
            if patch_type == APPLY_PATCH:
                applied = _applied_config(rtype, body, name, subresource)
                if old is None and subresource:
                    raise errors.not_found(rtype.plural, rtype.group, name)
                if old is None:
                    return self._create(rtype, namespace, applied, dry_run=dry_run, events=events), True
                patched = strategic_merge_patch(old if subresource != "scale" else _scale_view(old), applied)
            else:
                if old is None:
                    raise errors.not_found(rtype.plural, rtype.group, name)
                patched = apply_patch(patch_type, old if subresource != "scale" else _scale_view(old), body)
            if not isinstance(patched, dict) or not isinstance(patched.get("metadata"), dict):
                raise errors.unprocessable("the patch does not leave a valid object")
            if subresource == "scale":
                return _scale_view(self._write_scale(old, patched, dry_run=dry_run, events=events)), False
            _check_name(patched, name)
            status_only = subresource == "status"
            return self._commit(
                rtype, namespace, old, patched, dry_run=dry_run, events=events, status_only=status_only
            ), False

    def delete(
        self, rtype: ResourceType, namespace: str, name: str, options: Any = None, *, dry_run: bool = False
    ) -> Obj:
        """Deletes at once (no finalizers, no grace period); deleting a namespace deletes what is in it."""
        with self._writing() as events:
            key = _key(rtype, namespace, name)
            old = self._existing(rtype, namespace, name)
            _check_preconditions(
                rtype, old, (options or {}).get("preconditions") if isinstance(options, dict) else None
            )
            if not dry_run:
                doomed = [key]
                if rtype is NAMESPACES:
                    doomed += [k for k in self._objects if k[0] != NAMESPACES.plural and k[1] == name]
                for doomed_key in doomed:
                    gone = self._objects.pop(doomed_key)
                    if doomed_key[0] == DEPLOYMENTS.plural:
                        events.append(("DELETED", doomed_key[1], copy.deepcopy(gone)))
                self._resource_version += 1
            if rtype is SERVICES:
                return copy.deepcopy(old)  # the apiserver answers a service deletion with the service
            if rtype is NAMESPACES:  # ... and a namespace deletion with the namespace, now terminating
                terminating = copy.deepcopy(old)
                terminating["metadata"]["deletionTimestamp"] = controller.now()
                terminating["status"] = {"phase": "Terminating"}
                return terminating
            details: Obj = {"name": name, "kind": rtype.plural, "uid": old["metadata"]["uid"]}
            if rtype.group:
                details["group"] = rtype.group
            return {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": details,
            }

    # --- controller and test hooks -------------------------------------------------------------

    def set_rollout_mode(self, namespace: str, name: str, mode: RolloutMode | str) -> None:
        with self._lock:
            self._modes[(namespace, name)] = RolloutMode(mode)

    def complete_rollout(self, namespace: str, name: str) -> Obj:
        with self._writing() as events:
            return self._write_deployment_status(namespace, name, controller.completed_status, events)

    def stall_rollout(self, namespace: str, name: str, *, deadline_exceeded: bool = True) -> Obj:
        with self._writing() as events:
            return self._write_deployment_status(namespace, name, _stalled(deadline_exceeded), events)

    def seed(self, objects: list[Obj]) -> None:
        """Create objects (missing namespaces too); an object's own ``status`` is kept as given."""
        with self._writing() as events:
            for obj in objects:
                rtype = resource_type_for_kind(str(obj.get("kind", "")))
                namespace = (
                    str(obj.get("metadata", {}).get("namespace") or "default") if rtype.namespaced else ""
                )
                if namespace and _key(NAMESPACES, "", namespace) not in self._objects:
                    self._create(
                        NAMESPACES, "", {"metadata": {"name": namespace}}, dry_run=False, events=events
                    )
                self._create(rtype, namespace, obj, dry_run=False, events=events, status=obj.get("status"))

    def reset(self) -> None:
        with self._lock:
            self._objects.clear()
            self._modes.clear()

    # --- internals -----------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[list[_Event]]:
        """Hold the lock for a write, then tell the listener about deployment changes outside it."""
        events: list[_Event] = []
        with self._lock:
            yield events
        listener = self.on_change
        if listener is None:
            return
        for kind, namespace, deployment in events:
            try:
                listener(kind, namespace, deployment)
            except Exception:
                logger.exception(
                    "on_change failed for %s of %s/%s", kind, namespace, deployment["metadata"]["name"]
                )

    def _existing(self, rtype: ResourceType, namespace: str, name: str) -> Obj:
        obj = self._objects.get(_key(rtype, namespace, name))
        if obj is None:
            raise errors.not_found(rtype.plural, rtype.group, name)
        return obj

    def _next_resource_version(self) -> str:
        self._resource_version += 1
        return str(self._resource_version)

    def _create(
        self,
        rtype: ResourceType,
        namespace: str,
        body: Any,
        *,
        dry_run: bool,
        events: list[_Event],
        status: Obj | None = None,
    ) -> Obj:
        new = _object_body(body)
        metadata = new["metadata"]
        if not metadata.get("name") and metadata.get("generateName"):
            metadata["name"] = str(metadata["generateName"]) + "".join(
                secrets.choice(_NAME_SUFFIX_ALPHABET) for _ in range(5)
            )
        if rtype.namespaced:
            if metadata.get("namespace") not in (None, "", namespace):
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            if _key(NAMESPACES, "", namespace) not in self._objects:
                raise errors.not_found(NAMESPACES.plural, "", namespace)
        name = str(metadata.get("name") or "")
        if name and _key(rtype, namespace, name) in self._objects:
            raise errors.already_exists(rtype.plural, rtype.group, name)
        return self._commit(rtype, namespace, None, new, dry_run=dry_run, events=events, status=status)

    def _commit(
        self,
        rtype: ResourceType,
        namespace: str,
        old: Obj | None,
        new: Obj,
        *,
        dry_run: bool,
        events: list[_Event],
        status_only: bool = False,
        status: Obj | None = None,
    ) -> Obj:
        candidate = copy.deepcopy(new)
        if old is not None:
            _check_preconditions(rtype, old, candidate["metadata"])
            if status_only:
                candidate = {**copy.deepcopy(old), "status": candidate.get("status") or {}}
            else:
                candidate["status"] = copy.deepcopy(old.get("status", {}))
                if rtype is SERVICES and not candidate.get("spec", {}).get("clusterIP"):
                    candidate.setdefault("spec", {})["clusterIP"] = old.get("spec", {}).get("clusterIP")
        else:
            candidate["status"] = copy.deepcopy(status) if status is not None else initial_status(rtype)
            if rtype is SERVICES:
                self._allocate_cluster_ip(candidate)
        candidate["apiVersion"] = rtype.api_version
        candidate["kind"] = rtype.kind
        metadata = candidate["metadata"]
        if rtype.namespaced:
            metadata["namespace"] = namespace
        else:
            metadata.pop("namespace", None)
        apply_defaults(rtype, candidate)
        validate(rtype, candidate, old)
        spec_changed = old is None or old.get("spec") != candidate.get("spec")
        if old is not None:
            for field in ("uid", "creationTimestamp", "generation", "resourceVersion"):
                metadata[field] = old["metadata"].get(field)
            if rtype.has_generation and spec_changed:
                metadata["generation"] = old["metadata"]["generation"] + 1
        else:
            metadata.update(uid=str(uuid.uuid4()), creationTimestamp=controller.now())
            if rtype.has_generation:
                metadata["generation"] = 1
        metadata = {key: value for key, value in metadata.items() if value is not None}
        candidate["metadata"] = metadata
        if candidate == old:
            return copy.deepcopy(old)  # a no-op write changes nothing, not even resourceVersion
        if dry_run:
            return candidate
        metadata["resourceVersion"] = self._next_resource_version()
        self._objects[_key(rtype, namespace, metadata["name"])] = candidate
        result = copy.deepcopy(candidate)
        if rtype is DEPLOYMENTS:
            events.append(("ADDED" if old is None else "MODIFIED", namespace, copy.deepcopy(candidate)))
            if spec_changed and status is None:
                self._play_controller(namespace, metadata["name"], events)
        return result

    def _allocate_cluster_ip(self, service: Obj) -> None:
        spec = service.setdefault("spec", {})
        if spec.get("type") != "ExternalName" and not spec.get("clusterIP"):
            self._services_created += 1
            spec["clusterIP"] = f"10.96.{self._services_created // 250}.{self._services_created % 250 + 1}"
            spec["clusterIPs"] = [spec["clusterIP"]]

    def _play_controller(self, namespace: str, name: str, events: list[_Event]) -> None:
        mode = self._modes.get((namespace, name), self.default_mode)
        if mode is RolloutMode.COMPLETE:
            self._write_deployment_status(namespace, name, controller.completed_status, events)
        elif mode is RolloutMode.STALL:
            self._write_deployment_status(namespace, name, _stalled(deadline_exceeded=True), events)

    def _write_deployment_status(
        self, namespace: str, name: str, make_status: Callable[[Obj], Obj], events: list[_Event]
    ) -> Obj:
        deployment = self._objects.get(_key(DEPLOYMENTS, namespace, name))
        if deployment is None:
            raise LookupError(f"no deployment {namespace}/{name} in the fake Kubernetes API")
        updated = {**copy.deepcopy(deployment), "status": make_status(deployment)}
        return self._commit(
            DEPLOYMENTS, namespace, deployment, updated, dry_run=False, events=events, status_only=True
        )

    def _write_scale(self, deployment: Obj, scale: Obj, *, dry_run: bool, events: list[_Event]) -> Obj:
        replicas = (scale.get("spec") or {}).get("replicas")
        name = deployment["metadata"]["name"]
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise errors.invalid(
                "Scale",
                "autoscaling",
                name,
                [("spec.replicas", f"Invalid value: {replicas!r}: must be >= 0")],
            )
        updated = copy.deepcopy(deployment)
        updated["spec"]["replicas"] = replicas
        sent_version = (scale.get("metadata") or {}).get("resourceVersion")
        if sent_version:
            updated["metadata"]["resourceVersion"] = sent_version
        namespace = deployment["metadata"]["namespace"]
        return self._commit(DEPLOYMENTS, namespace, deployment, updated, dry_run=dry_run, events=events)


def _stalled(deadline_exceeded: bool) -> Callable[[Obj], Obj]:
    def stalled(deployment: Obj) -> Obj:
        return controller.stalled_status(deployment, deadline_exceeded=deadline_exceeded)

    return stalled


def _key(rtype: ResourceType, namespace: str, name: str) -> _Key:
    return (rtype.plural, namespace if rtype.namespaced else "", name)


def _object_body(body: Any) -> Obj:
    if not isinstance(body, dict) or not isinstance(body.get("metadata", {}), dict):
        raise errors.bad_request("the body of the request must be a JSON object with an object metadata")
    obj = copy.deepcopy(body)
    obj.setdefault("metadata", {})
    return obj


def _check_name(obj: Obj, name: str) -> None:
    if obj["metadata"].get("name") != name:
        raise errors.bad_request(
            f"the name of the object ({obj['metadata'].get('name')}) "
            f"does not match the name on the URL ({name})"
        )


def _check_preconditions(rtype: ResourceType, old: Obj, wanted: Any) -> None:
    """A resourceVersion or uid sent with a write must match the stored object, or it is a 409."""
    if not isinstance(wanted, dict):
        return
    current = old["metadata"]
    name = current["name"]
    if wanted.get("uid") and wanted["uid"] != current["uid"]:
        raise errors.conflict(
            rtype.plural,
            rtype.group,
            name,
            f"Precondition failed: UID in precondition: {wanted['uid']}, "
            f"UID in object meta: {current['uid']}",
        )
    if wanted.get("resourceVersion") and wanted["resourceVersion"] != current["resourceVersion"]:
        raise errors.conflict(rtype.plural, rtype.group, name, errors.STALE_OBJECT)


def _applied_config(rtype: ResourceType, body: Any, name: str, subresource: str | None) -> Obj:
    applied = _object_body(body)
    expected_kind = "Scale" if subresource == "scale" else rtype.kind
    expected_version = "autoscaling/v1" if subresource == "scale" else rtype.api_version
    if applied.get("kind") != expected_kind or applied.get("apiVersion") != expected_version:
        raise errors.bad_request(
            f"apply: the object is {applied.get('apiVersion')}/{applied.get('kind')}, "
            f"expected {expected_version}/{expected_kind}"
        )
    _check_name(applied, name)
    return applied


def _scale_view(deployment: Obj) -> Obj:
    """The autoscaling/v1 Scale of a deployment."""
    metadata = deployment["metadata"]
    match_labels = (deployment["spec"].get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in metadata
        },
        "spec": {"replicas": deployment["spec"].get("replicas", 1)},
        "status": {
            "replicas": deployment.get("status", {}).get("replicas", 0),
            "selector": ",".join(f"{key}={value}" for key, value in sorted(match_labels.items())),
        },
    }
