"""The fake cluster's API verbs (get, list, create, replace, patch, delete), independent of HTTP.

The write rules live in ``writes.ObjectTable._commit``; the deployment controller in
``deployment_controller``. A read of a Deployment may be the moment its controller catches up.
"""

from __future__ import annotations

import copy
from typing import Any

from bluegreen.local.fake_kube import controller, errors, managed_fields
from bluegreen.local.fake_kube.deployment_controller import DeploymentController
from bluegreen.local.fake_kube.objects import (
    Obj,
    applied_config,
    check_name,
    check_preconditions,
    key,
    object_body,
    scale_view,
)
from bluegreen.local.fake_kube.patches import APPLY_PATCH, PATCH_TYPES, apply_patch, strategic_merge_patch
from bluegreen.local.fake_kube.resources import (
    CONFIG_MAPS,
    DEPLOYMENTS,
    NAMESPACES,
    SERVICE_ACCOUNTS,
    SERVICES,
    ResourceType,
    resource_type_for_kind,
)
from bluegreen.local.fake_kube.selectors import field_selector_matcher, label_selector_matcher
from bluegreen.local.fake_kube.writes import ROOT_CA_CONFIG_MAP, ChangeListener, Event

__all__ = ["ChangeListener", "Obj", "Store"]


class Store(DeploymentController):
    """Thread-safe objects of the fake cluster. Methods raise ``KubeApiError`` like the apiserver would."""

    # --- reads (a read of a Deployment may be the moment its controller catches up) --------------

    def get(self, rtype: ResourceType, namespace: str, name: str, subresource: str | None = None) -> Obj:
        with self._writing() as events:
            obj = self._existing(rtype, namespace, name)
            result = scale_view(obj) if subresource == "scale" else copy.deepcopy(obj)
            if rtype is DEPLOYMENTS:
                self._observed(namespace, name, events)
            return result

    def exists(self, rtype: ResourceType, namespace: str, name: str) -> bool:
        with self._lock:
            return key(rtype, namespace, name) in self._objects

    def list_objects(
        self, rtype: ResourceType, namespace: str | None, label_selector: str = "", field_selector: str = ""
    ) -> Obj:
        """A ``<Kind>List``; ``namespace=None`` lists across all namespaces."""
        label_matches = label_selector_matcher(label_selector)
        field_matches = field_selector_matcher(field_selector)
        with self._writing() as events:
            items = [
                copy.deepcopy(obj)
                for (plural, obj_namespace, _), obj in sorted(self._objects.items())
                if plural == rtype.plural
                and (namespace is None or obj_namespace == namespace)
                and label_matches(obj)
                and field_matches(obj)
            ]
            list_version = str(self._resource_version)
            if rtype is DEPLOYMENTS:
                for item in items:
                    self._observed(item["metadata"]["namespace"], item["metadata"]["name"], events)
        return {
            "kind": f"{rtype.kind}List",
            "apiVersion": rtype.api_version,
            "metadata": {"resourceVersion": list_version},
            "items": items,
        }

    def get_object(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        """A copy of the stored object, or None; ``kind`` is "Deployment", "deployments"... (no read tick)."""
        rtype = resource_type_for_kind(kind)
        with self._lock:
            obj = self._objects.get(key(rtype, namespace or "", name))
            return copy.deepcopy(obj) if obj is not None else None

    # --- writes --------------------------------------------------------------------------------

    def create(
        self,
        rtype: ResourceType,
        namespace: str,
        body: Any,
        *,
        dry_run: bool = False,
        manager: str | None = None,
    ) -> Obj:
        with self._writing() as events:
            return self._create(rtype, namespace, body, dry_run=dry_run, events=events, manager=manager)

    def replace(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
        manager: str | None = None,
    ) -> Obj:
        with self._writing() as events:
            old = self._existing(rtype, namespace, name)
            new = object_body(body)
            new["metadata"].setdefault("name", name)
            if subresource == "scale":
                return scale_view(
                    self._write_scale(old, new, dry_run=dry_run, events=events, manager=manager)
                )
            check_name(new, name)
            status_only = subresource == "status"
            return self._commit(
                rtype,
                namespace,
                old,
                new,
                dry_run=dry_run,
                events=events,
                status_only=status_only,
                manager=manager,
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
        manager: str | None = None,
    ) -> tuple[Obj, bool]:
        """The patched object and whether it was created (only server-side apply creates)."""
        _check_patch_options(patch_type, field_manager, force)
        manager = field_manager or manager
        with self._writing() as events:
            old = self._objects.get(key(rtype, namespace, name))
            if old is None and (patch_type != APPLY_PATCH or subresource):
                raise errors.not_found(rtype.plural, rtype.group, name)
            if patch_type == APPLY_PATCH and subresource != "scale":
                applied = applied_config(rtype, body, name, subresource)
                assert field_manager is not None
                patched = managed_fields.apply(
                    old, applied, field_manager, rtype.api_version, controller.now(), force=bool(force)
                )
                if old is None:
                    created = self._create(
                        rtype, namespace, patched, dry_run=dry_run, events=events, applied=True
                    )
                    return created, True
                manager = None  # apply recorded the ownership itself
            elif patch_type == APPLY_PATCH:
                assert old is not None
                patched = strategic_merge_patch(
                    scale_view(old), applied_config(rtype, body, name, subresource)
                )
            else:
                assert old is not None
                patched = apply_patch(patch_type, old if subresource != "scale" else scale_view(old), body)
            if not isinstance(patched, dict) or not isinstance(patched.get("metadata"), dict):
                raise errors.unprocessable("the patch does not leave a valid object")
            assert old is not None
            if subresource == "scale":
                scaled = self._write_scale(old, patched, dry_run=dry_run, events=events, manager=manager)
                return scale_view(scaled), False
            check_name(patched, name)
            status_only = subresource == "status"
            committed = self._commit(
                rtype,
                namespace,
                old,
                patched,
                dry_run=dry_run,
                events=events,
                status_only=status_only,
                manager=manager,
                applied=patch_type == APPLY_PATCH,
            )
            return committed, False

    def delete(
        self, rtype: ResourceType, namespace: str, name: str, options: Any = None, *, dry_run: bool = False
    ) -> Obj:
        """Deletes at once (no finalizers, no grace period); deleting a namespace deletes what is in it."""
        with self._writing() as events:
            old = self._existing(rtype, namespace, name)
            check_preconditions(
                rtype, old, (options or {}).get("preconditions") if isinstance(options, dict) else None
            )
            if not dry_run:
                doomed = [key(rtype, namespace, name)]
                if rtype is NAMESPACES:
                    doomed += [k for k in self._objects if k[0] != NAMESPACES.plural and k[1] == name]
                for doomed_key in doomed:
                    gone = self._objects.pop(doomed_key)
                    if doomed_key[0] == DEPLOYMENTS.plural:
                        self.controller.forget(doomed_key[1], doomed_key[2])
                        events.append(("DELETED", doomed_key[1], copy.deepcopy(gone)))
                self._resource_version += 1
            return _deleted_response(rtype, name, old)

    # --- seeding ------------------------------------------------------------------------------

    def seed(self, objects: list[Obj]) -> None:
        """Create objects (missing namespaces too); an object's own ``status`` is kept as given. A seeded
        ``default`` ServiceAccount or root CA ConfigMap replaces the one every namespace starts with."""
        with self._writing() as events:
            for obj in objects:
                rtype = resource_type_for_kind(str(obj.get("kind", "")))
                namespace = (
                    str(obj.get("metadata", {}).get("namespace") or "default") if rtype.namespaced else ""
                )
                if namespace and key(NAMESPACES, "", namespace) not in self._objects:
                    self._create(
                        NAMESPACES, "", {"metadata": {"name": namespace}}, dry_run=False, events=events
                    )
                name = str(obj.get("metadata", {}).get("name") or "")
                if rtype in (SERVICE_ACCOUNTS, CONFIG_MAPS) and name in ("default", ROOT_CA_CONFIG_MAP):
                    self._objects.pop(key(rtype, namespace, name), None)
                self._create(rtype, namespace, obj, dry_run=False, events=events, status=obj.get("status"))

    def reset(self) -> None:
        with self._lock:
            self._objects.clear()
            self._modes.clear()
            self.controller.reset()

    # --- internals -----------------------------------------------------------------------------

    def _write_scale(
        self, deployment: Obj, scale: Obj, *, dry_run: bool, events: list[Event], manager: str | None
    ) -> Obj:
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
        return self._commit(
            DEPLOYMENTS, namespace, deployment, updated, dry_run=dry_run, events=events, manager=manager
        )


def _check_patch_options(patch_type: str, field_manager: str | None, force: bool | None) -> None:
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


def _deleted_response(rtype: ResourceType, name: str, old: Obj) -> Obj:
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
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
