"""The deployment controller of the fake cluster: rollout modes, the read-counted lag, and pods
that cannot start because what they reference is missing (``kubelet.pod_problem``)."""

from __future__ import annotations

import copy
from collections.abc import Callable

from bluegreen.local.fake_kube import controller, kubelet
from bluegreen.local.fake_kube.controller import ControllerLoop, RolloutMode
from bluegreen.local.fake_kube.objects import Obj, key
from bluegreen.local.fake_kube.resources import DEPLOYMENTS, resource_type_for_kind
from bluegreen.local.fake_kube.writes import ChangeListener, Event, ObjectTable


class DeploymentController(ObjectTable):
    """Plays the deployment controller (and the kubelet's verdict) for every Deployment's spec change."""

    def __init__(
        self, *, auto_complete: bool = False, on_change: ChangeListener | None = None, controller_lag: int = 0
    ) -> None:
        super().__init__(on_change)
        self.default_mode = RolloutMode.COMPLETE if auto_complete else RolloutMode.MANUAL
        self.controller = ControllerLoop(controller_lag)
        self._modes: dict[tuple[str, str], RolloutMode] = {}

    # --- test hooks ----------------------------------------------------------------------------

    def set_rollout_mode(self, namespace: str, name: str, mode: RolloutMode | str) -> None:
        with self._lock:
            self._modes[(namespace, name)] = RolloutMode(mode)

    def complete_rollout(self, namespace: str, name: str) -> Obj:
        with self._writing() as events:
            self.controller.forget(namespace, name)
            return self._write_deployment_status(namespace, name, controller.completed_status, events)

    def stall_rollout(self, namespace: str, name: str, *, deadline_exceeded: bool = True) -> Obj:
        with self._writing() as events:
            self.controller.forget(namespace, name)
            return self._write_deployment_status(namespace, name, _stalled(deadline_exceeded), events)

    # --- the controller ------------------------------------------------------------------------

    def _mode(self, namespace: str, name: str) -> RolloutMode:
        return self._modes.get((namespace, name), self.default_mode)

    def _spec_changed(self, namespace: str, name: str, events: list[Event]) -> None:
        if self._mode(namespace, name) is RolloutMode.MANUAL:
            return
        if self.controller.schedule(namespace, name):
            self._reconcile(namespace, name, events)

    def _dependency_changed(self, namespace: str, events: list[Event]) -> None:
        """A ServiceAccount, ConfigMap or Secret appeared or changed: blocked pods are retried."""
        for blocked_namespace, name in sorted(self.controller.blocked):
            if blocked_namespace == namespace:
                self._spec_changed(namespace, name, events)

    def _observed(self, namespace: str, name: str, events: list[Event]) -> None:
        if self.controller.observed(namespace, name):
            self._reconcile(namespace, name, events)

    def _reconcile(self, namespace: str, name: str, events: list[Event]) -> None:
        deployment = self._objects.get(key(DEPLOYMENTS, namespace, name))
        if deployment is None:
            return
        mode = self._mode(namespace, name)
        if mode is RolloutMode.STALL:
            self._write_deployment_status(namespace, name, _stalled(deadline_exceeded=True), events)
            return
        if mode is not RolloutMode.COMPLETE:
            return
        pod_spec = deployment["spec"].get("template", {}).get("spec") or {}
        problem = kubelet.pod_problem(
            namespace, controller.replica_set_name(deployment), pod_spec, self._lookup_in(namespace)
        )
        if problem is None:
            self.controller.blocked.discard((namespace, name))
            self._write_deployment_status(namespace, name, controller.completed_status, events)
        else:
            self.controller.blocked.add((namespace, name))
            self._write_deployment_status(
                namespace, name, lambda d: controller.blocked_status(d, problem), events
            )

    def _lookup_in(self, namespace: str) -> kubelet.Lookup:
        def lookup(kind: str, name: str) -> Obj | None:
            return self._objects.get(key(resource_type_for_kind(kind), namespace, name))

        return lookup

    def _write_deployment_status(
        self, namespace: str, name: str, make_status: Callable[[Obj], Obj], events: list[Event]
    ) -> Obj:
        deployment = self._objects.get(key(DEPLOYMENTS, namespace, name))
        if deployment is None:
            raise LookupError(f"no deployment {namespace}/{name} in the fake Kubernetes API")
        updated = {**copy.deepcopy(deployment), "status": make_status(deployment)}
        return self._commit(
            DEPLOYMENTS, namespace, deployment, updated, dry_run=False, events=events, status_only=True
        )


def _stalled(deadline_exceeded: bool) -> Callable[[Obj], Obj]:
    def stalled(deployment: Obj) -> Obj:
        return controller.stalled_status(deployment, deadline_exceeded=deadline_exceeded)

    return stalled
