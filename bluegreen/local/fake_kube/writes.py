"""The fake cluster's objects and the one path every change takes (``_commit``).

``_commit`` sets what the server owns (uid, creationTimestamp, resourceVersion, generation,
managedFields), keeps status and spec apart (the main resource cannot write status, ``/status``
cannot write anything else), skips no-op writes, and tells the deployment controller about a spec
change or a change to what pods read (ServiceAccounts, ConfigMaps, Secrets).
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

from bluegreen.local.fake_kube import controller, errors, managed_fields
from bluegreen.local.fake_kube.objects import Key, Obj, check_preconditions, key, object_body
from bluegreen.local.fake_kube.resources import (
    CONFIG_MAPS,
    DEPLOYMENTS,
    NAMESPACES,
    POD_DEPENDENCY_TYPES,
    SERVICE_ACCOUNTS,
    SERVICES,
    ResourceType,
    apply_defaults,
    initial_status,
    validate,
)

logger = logging.getLogger(__name__)

ChangeListener = Callable[[str, str, Obj], None]
"""Called as (event, namespace, deployment) with event ADDED, MODIFIED or DELETED."""

Event = tuple[str, str, Obj]
_NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
ROOT_CA_CONFIG_MAP = "kube-root-ca.crt"


class ObjectTable:
    """The stored objects behind one lock; subclasses add the controller and the API verbs."""

    def __init__(self, on_change: ChangeListener | None = None) -> None:
        self.on_change = on_change
        self._lock = threading.RLock()
        self._objects: dict[Key, Obj] = {}
        self._resource_version = 0
        self._services_created = 0

    @contextmanager
    def _writing(self) -> Iterator[list[Event]]:
        """Hold the lock for a write, then tell the listener about deployment changes outside it."""
        events: list[Event] = []
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
        obj = self._objects.get(key(rtype, namespace, name))
        if obj is None:
            raise errors.not_found(rtype.plural, rtype.group, name)
        return obj

    def _create(
        self,
        rtype: ResourceType,
        namespace: str,
        body: Any,
        *,
        dry_run: bool,
        events: list[Event],
        status: Obj | None = None,
        manager: str | None = None,
        applied: bool = False,
    ) -> Obj:
        new = object_body(body)
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
            if key(NAMESPACES, "", namespace) not in self._objects:
                raise errors.not_found(NAMESPACES.plural, "", namespace)
        name = str(metadata.get("name") or "")
        if name and key(rtype, namespace, name) in self._objects:
            raise errors.already_exists(rtype.plural, rtype.group, name)
        created = self._commit(
            rtype,
            namespace,
            None,
            new,
            dry_run=dry_run,
            events=events,
            status=status,
            manager=manager,
            applied=applied,
        )
        if rtype is NAMESPACES and not dry_run:
            self._populate_namespace(created["metadata"]["name"], events)
        return created

    def _populate_namespace(self, namespace: str, events: list[Event]) -> None:
        """What the controller manager puts in every new namespace: the ``default`` ServiceAccount and
        the cluster's root CA ConfigMap (at once here, within moments on a cluster)."""
        account = {"metadata": {"name": "default"}}
        root_ca = {"metadata": {"name": ROOT_CA_CONFIG_MAP}, "data": {"ca.crt": "fake-cluster-ca"}}
        for rtype, body in ((SERVICE_ACCOUNTS, account), (CONFIG_MAPS, root_ca)):
            self._commit(rtype, namespace, None, body, dry_run=False, events=events)

    def _commit(
        self,
        rtype: ResourceType,
        namespace: str,
        old: Obj | None,
        new: Obj,
        *,
        dry_run: bool,
        events: list[Event],
        status_only: bool = False,
        status: Obj | None = None,
        manager: str | None = None,
        applied: bool = False,
    ) -> Obj:
        """``manager`` (an Update) takes what this write changed; ``applied``: ``new`` carries the
        ownership server-side apply computed."""
        candidate = copy.deepcopy(new)
        if old is not None:
            check_preconditions(rtype, old, candidate["metadata"])
            if status_only:
                candidate = {**copy.deepcopy(old), "status": candidate.get("status") or {}}
            else:
                _keep_status(candidate, old)
                if rtype is SERVICES and not candidate.get("spec", {}).get("clusterIP"):
                    candidate.setdefault("spec", {})["clusterIP"] = old.get("spec", {}).get("clusterIP")
        else:
            first_status = copy.deepcopy(status) if status is not None else initial_status(rtype)
            candidate.pop("status", None)
            if first_status is not None:
                candidate["status"] = first_status
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
            owner = new if applied and not status_only else old
            metadata["managedFields"] = owner["metadata"].get("managedFields")
            if rtype.has_generation and spec_changed:
                metadata["generation"] = old["metadata"]["generation"] + 1
        else:
            metadata.update(uid=str(uuid.uuid4()), creationTimestamp=controller.now())
            if not applied:
                metadata.pop("managedFields", None)
            if rtype.has_generation:
                metadata["generation"] = 1
        candidate["metadata"] = {k: v for k, v in metadata.items() if v is not None}
        if manager is not None and not status_only:
            managed_fields.record_update(old, candidate, manager, rtype.api_version, controller.now())
        if old is not None and _without_times(candidate) == _without_times(old):
            return copy.deepcopy(old)  # a no-op write changes nothing, not even resourceVersion
        if dry_run:
            return candidate
        candidate["metadata"]["resourceVersion"] = self._next_resource_version()
        self._objects[key(rtype, namespace, candidate["metadata"]["name"])] = candidate
        result = copy.deepcopy(candidate)
        if rtype is DEPLOYMENTS:
            events.append(("ADDED" if old is None else "MODIFIED", namespace, copy.deepcopy(candidate)))
            if spec_changed and status is None and not status_only:
                self._spec_changed(namespace, candidate["metadata"]["name"], events)
        elif rtype in POD_DEPENDENCY_TYPES:
            self._dependency_changed(namespace, events)
        return result

    def _next_resource_version(self) -> str:
        self._resource_version += 1
        return str(self._resource_version)

    def _allocate_cluster_ip(self, service: Obj) -> None:
        spec = service.setdefault("spec", {})
        if spec.get("type") != "ExternalName" and not spec.get("clusterIP"):
            self._services_created += 1
            spec["clusterIP"] = f"10.96.{self._services_created // 250}.{self._services_created % 250 + 1}"
            spec["clusterIPs"] = [spec["clusterIP"]]

    def _spec_changed(self, namespace: str, name: str, events: list[Event]) -> None:
        """A Deployment's spec changed (the deployment controller acts on it)."""

    def _dependency_changed(self, namespace: str, events: list[Event]) -> None:
        """A ServiceAccount, ConfigMap or Secret changed (blocked pods may start now)."""


def _keep_status(candidate: Obj, old: Obj) -> None:
    """A write to the main resource never changes the status (kinds without one have none)."""
    if "status" in old:
        candidate["status"] = copy.deepcopy(old["status"])
    else:
        candidate.pop("status", None)


def _without_times(obj: Obj) -> Obj:
    """The object with its managedFields' timestamps left out: a write that changes only those is a no-op."""
    entries = obj["metadata"].get("managedFields")
    if not entries:
        return obj
    timeless = [{k: v for k, v in entry.items() if k != "time"} for entry in entries]
    return {**obj, "metadata": {**obj["metadata"], "managedFields": timeless}}
