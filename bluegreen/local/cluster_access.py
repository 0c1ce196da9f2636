"""Each function reaches the fake cluster as itself: its own bearer token, allowed what its EKS access
entry allows in the stack.

The access comes from the table that builds the stack's access entries (`release_function_specs`,
plus the two rollback functions of `RollbackEvents`), so a function that needs more than the stack
grants fails in the local tests with the 403 EKS would answer; tests/infrastructure checks that the
synthesized AccessEntry resources grant exactly this table. A function without an entry gets a
token the cluster does not know (401), as an IAM role without an access entry would.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bluegreen.adapters.kube import ApiClientFactory, StaticApiClientFactory
from bluegreen.config import AppConfig
from bluegreen.local.fake_kube import FakeKubeServer
from bluegreen.runtime import Runtime

KubeForFunction = Callable[[str], ApiClientFactory]
"""Function name (as in HANDLERS) -> the Kubernetes clients that function gets."""

VIEW = "AmazonEKSViewPolicy"
EDIT = "AmazonEKSEditPolicy"
CLUSTER_ADMIN = "AmazonEKSClusterAdminPolicy"
# stacks/constructs/rollback_events.py grants these two outside `release_function_specs`.
ROLLBACK_FUNCTIONS_ACCESS = {"AlarmRollback": VIEW, "ScaleDown": EDIT}
ADMIN_TOKEN = "local-cluster-admin"  # noqa: S105 - a fake cluster's token, not a secret
ADMIN_USER = "kubernetes-admin"


@dataclass(frozen=True)
class FunctionClusterAccess:
    policy: str  # an EKS access policy name
    namespaces: tuple[str, ...]


def function_cluster_access(config: AppConfig) -> dict[str, FunctionClusterAccess]:
    """Function name -> its access policy, scoped to the blue and green namespaces, as the stack grants."""
    # The stack's own table; importing it loads aws-cdk-lib (only local runs and tests do this).
    from stacks.constructs.release_functions import release_function_specs

    policies = {
        spec.construct_id: spec.cluster_access.value
        for spec in release_function_specs(config)
        if spec.cluster_access is not None
    }
    policies.update(ROLLBACK_FUNCTIONS_ACCESS)
    namespaces = (config.namespaces.blue, config.namespaces.green)
    return {name: FunctionClusterAccess(policy, namespaces) for name, policy in policies.items()}


def function_token(function: str) -> str:
    return f"local-{function}-token"


def function_user(function: str, account: str) -> str:
    """What EKS maps an assumed role to: its assumed-role ARN."""
    return f"arn:aws:sts::{account}:assumed-role/bluegreen-{function}/local"


class FunctionKube:
    """Grants the fake server each function's access, then hands out per-function clients."""

    def __init__(
        self, server: FakeKubeServer, access: Mapping[str, FunctionClusterAccess], *, account: str
    ) -> None:
        self._server = server
        self._factories: dict[str, ApiClientFactory] = {}
        self._lock = threading.Lock()
        for function, grant in access.items():
            server.grant(
                function_token(function), function_user(function, account), grant.policy, grant.namespaces
            )
        server.grant(ADMIN_TOKEN, ADMIN_USER, CLUSTER_ADMIN)
        # The harness's own calls and a test's hand edits carry no token: they act as cluster admin.
        server.grant_anonymous(CLUSTER_ADMIN)

    def admin(self) -> ApiClientFactory:
        """For the harness itself (seeding checks, test assertions): cluster-admin."""
        return StaticApiClientFactory(self._server.client_configuration(ADMIN_TOKEN))

    def __call__(self, function: str) -> ApiClientFactory:
        with self._lock:
            if function not in self._factories:
                configuration = self._server.client_configuration(function_token(function))
                self._factories[function] = StaticApiClientFactory(configuration)
            return self._factories[function]


def function_runtime(runtime: Runtime, function: str, kube_for: KubeForFunction | None) -> Runtime:
    """The runtime a handler gets: the shared one, with that function's own cluster clients if set."""
    if kube_for is None:
        return runtime
    return dataclasses.replace(runtime, kube=kube_for(function))
