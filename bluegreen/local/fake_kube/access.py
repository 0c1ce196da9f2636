"""Who may do what: bearer tokens mapped to EKS access entries and the rules of their access policies.

EKS authenticates a bearer token to an IAM principal, finds the principal's access entry and
authorizes each request against the access policies associated with it, each scoped to the
cluster or to named namespaces (``dev-*`` wildcards allowed). The rules below are those the EKS
user guide lists for AmazonEKSViewPolicy and AmazonEKSEditPolicy ("Review access policy
permissions"): View reads most kinds but not Secrets; Edit also writes them. Nothing is enforced
until the first entry is added, so tests that never configure access keep working.

A caller is found by its bearer token: a token granted as such (a static token, as in a
kubeconfig), or an EKS IAM token (``k8s-aws-v1.`` + a presigned STS GetCallerIdentity URL that signs
the ``x-k8s-aws-id`` header) whose signing access key was granted, which is how EKS maps a token to
an IAM principal (the fake reads the key from the URL; it does not check the signature with STS).
A request without a token is anonymous: refused unless anonymous access was granted, as an
apiserver with anonymous authentication and an RBAC binding for ``system:anonymous`` would.

Errors are the apiserver's: an unknown token (or an anonymous request nobody granted) is 401
Unauthorized; a request the policies do not allow is 403 Forbidden with the usual "User ... cannot
<verb> resource ..." text.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from bluegreen.local.fake_kube.errors import KubeApiError


@dataclass(frozen=True)
class Rule:
    groups: frozenset[str]
    resources: frozenset[str]  # "deployments", "deployments/scale", or "*"
    verbs: frozenset[str]

    def allows(self, group: str, resource: str, verb: str) -> bool:
        return (
            ("*" in self.groups or group in self.groups)
            and ("*" in self.resources or resource in self.resources)
            and ("*" in self.verbs or verb in self.verbs)
        )


def _rules(*rows: tuple[str, str, str]) -> tuple[Rule, ...]:
    """Rows as the EKS documentation prints them: API group, resources, verbs."""
    return tuple(
        Rule(frozenset({group}), frozenset(resources.split()), frozenset(verbs.split()))
        for group, resources, verbs in rows
    )


@dataclass(frozen=True)
class AccessPolicy:
    name: str
    rules: tuple[Rule, ...]

    @property
    def arn(self) -> str:
        return f"arn:aws:eks::aws:cluster-access-policy/{self.name}"

    def allows(self, group: str, resource: str, verb: str) -> bool:
        return any(rule.allows(group, resource, verb) for rule in self.rules)


_READ = "get list watch"
_WRITE = "create delete deletecollection patch update"

AMAZON_EKS_VIEW_POLICY = AccessPolicy(
    "AmazonEKSViewPolicy",
    _rules(
        (
            "apps",
            "controllerrevisions daemonsets daemonsets/status deployments deployments/scale "
            "deployments/status replicasets replicasets/scale replicasets/status statefulsets "
            "statefulsets/scale statefulsets/status",
            _READ,
        ),
        ("autoscaling", "horizontalpodautoscalers horizontalpodautoscalers/status", _READ),
        ("batch", "cronjobs cronjobs/status jobs jobs/status", _READ),
        ("discovery.k8s.io", "endpointslices", _READ),
        (
            "extensions",
            "daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses "
            "ingresses/status networkpolicies replicasets replicasets/scale replicasets/status "
            "replicationcontrollers/scale",
            _READ,
        ),
        ("networking.k8s.io", "ingresses ingresses/status networkpolicies", _READ),
        ("policy", "poddisruptionbudgets poddisruptionbudgets/status", _READ),
        (
            "",
            "configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods "
            "replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status",
            _READ,
        ),
        (
            "",
            "bindings events limitranges namespaces/status pods/log pods/status "
            "replicationcontrollers/status resourcequotas resourcequotas/status",
            _READ,
        ),
        ("", "namespaces", _READ),
    ),
)

AMAZON_EKS_EDIT_POLICY = AccessPolicy(
    "AmazonEKSEditPolicy",
    (
        *AMAZON_EKS_VIEW_POLICY.rules,
        *_rules(
            (
                "apps",
                "daemonsets deployments deployments/rollback deployments/scale replicasets "
                "replicasets/scale statefulsets statefulsets/scale",
                _WRITE,
            ),
            ("autoscaling", "horizontalpodautoscalers", _WRITE),
            ("batch", "cronjobs jobs", _WRITE),
            (
                "extensions",
                "daemonsets deployments deployments/rollback deployments/scale ingresses networkpolicies "
                "replicasets replicasets/scale replicationcontrollers/scale",
                _WRITE,
            ),
            ("networking.k8s.io", "ingresses networkpolicies", _WRITE),
            ("policy", "poddisruptionbudgets", _WRITE),
            ("", "pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy", _READ),
            ("", "serviceaccounts", "impersonate"),
            ("", "pods pods/attach pods/exec pods/portforward pods/proxy", _WRITE),
            (
                "",
                "configmaps events persistentvolumeclaims replicationcontrollers "
                "replicationcontrollers/scale secrets serviceaccounts services services/proxy",
                _WRITE,
            ),
        ),
    ),
)

AMAZON_EKS_CLUSTER_ADMIN_POLICY = AccessPolicy(
    "AmazonEKSClusterAdminPolicy", (Rule(frozenset({"*"}), frozenset({"*"}), frozenset({"*"})),)
)

POLICIES = {
    policy.name: policy
    for policy in (AMAZON_EKS_VIEW_POLICY, AMAZON_EKS_EDIT_POLICY, AMAZON_EKS_CLUSTER_ADMIN_POLICY)
}


@dataclass(frozen=True)
class PolicyAssociation:
    """One access policy on an access entry: the whole cluster (``namespaces=None``) or those namespaces."""

    policy: AccessPolicy
    namespaces: tuple[str, ...] | None = None

    def covers(self, namespace: str) -> bool:
        if self.namespaces is None:
            return True
        return bool(namespace) and any(fnmatch.fnmatchcase(namespace, pattern) for pattern in self.namespaces)


@dataclass(frozen=True)
class AccessEntry:
    username: str  # what EKS maps the IAM principal to, e.g. the assumed-role ARN
    associations: tuple[PolicyAssociation, ...]


@dataclass(frozen=True)
class RequestAttributes:
    """What the apiserver authorizes: verb, API group, resource[/subresource], namespace, name."""

    verb: str
    group: str
    resource: str
    namespace: str  # "" at the cluster scope
    name: str | None = None


class Authorizer:
    """Bearer token -> access entry -> allowed or not. Off (everything allowed) until an entry exists."""

    def __init__(self) -> None:
        self._entries: dict[str, AccessEntry] = {}
        self._iam: dict[str, AccessEntry] = {}  # signing access key id of an EKS IAM token
        self._anonymous: AccessEntry | None = None
        self._lock = threading.Lock()

    @property
    def enforcing(self) -> bool:
        with self._lock:
            return bool(self._entries or self._iam or self._anonymous)

    def add(self, token: str, entry: AccessEntry) -> None:
        with self._lock:
            self._entries[token] = entry

    def add_iam(self, access_key_id: str, entry: AccessEntry) -> None:
        with self._lock:
            self._iam[access_key_id] = entry

    def set_anonymous(self, entry: AccessEntry | None) -> None:
        with self._lock:
            self._anonymous = entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._iam.clear()
            self._anonymous = None

    def authenticate(self, authorization: str | None) -> AccessEntry | None:
        """The caller's entry; None when nothing is enforced. Unknown callers are a 401."""
        with self._lock:
            if not (self._entries or self._iam or self._anonymous):
                return None
            token = _bearer(authorization)
            if token is None:
                entry = self._anonymous
            else:
                entry = self._entries.get(token)
                access_key = eks_token_access_key(token) if entry is None else None
                if access_key is not None:
                    entry = self._iam.get(access_key)
        if entry is None:
            raise KubeApiError(401, "Unauthorized", "Unauthorized")
        return entry

    @staticmethod
    def authorize(entry: AccessEntry | None, request: RequestAttributes) -> None:
        if entry is None:
            return
        for association in entry.associations:
            if association.covers(request.namespace) and association.policy.allows(
                request.group, request.resource, request.verb
            ):
                return
        raise forbidden(entry.username, request)


EKS_TOKEN_PREFIX = "k8s-aws-v1."  # noqa: S105 - a format prefix, not a secret


def eks_token_access_key(token: str) -> str | None:
    """The access key id an EKS IAM token was signed with, or None if it is not one."""
    if not token.startswith(EKS_TOKEN_PREFIX):
        return None
    encoded = token.removeprefix(EKS_TOKEN_PREFIX)
    try:
        url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    query = parse_qs(urlsplit(url).query)
    signed_headers = (query.get("X-Amz-SignedHeaders") or [""])[0].split(";")
    credential = (query.get("X-Amz-Credential") or [""])[0]
    if query.get("Action") != ["GetCallerIdentity"] or "x-k8s-aws-id" not in signed_headers:
        return None
    return credential.split("/", 1)[0] or None


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


def forbidden(username: str, request: RequestAttributes) -> KubeApiError:
    plural = request.resource.split("/", 1)[0]
    qualified = f"{plural}.{request.group}" if request.group else plural
    subject = f'{qualified} "{request.name}"' if request.name else qualified
    scope = f'in the namespace "{request.namespace}"' if request.namespace else "at the cluster scope"
    message = (
        f'{subject} is forbidden: User "{username}" cannot {request.verb} resource "{request.resource}" '
        f'in API group "{request.group}" {scope}'
    )
    details: dict[str, str] = {"kind": plural}
    if request.name:
        details["name"] = request.name
    if request.group:
        details["group"] = request.group
    return KubeApiError(403, "Forbidden", message, dict(details))


def associations(policy_name: str, namespaces: Iterable[str] | None) -> tuple[PolicyAssociation, ...]:
    """One association of a named policy, e.g. ``associations("AmazonEKSEditPolicy", ["blue", "green"])``."""
    policy = POLICIES.get(policy_name)
    if policy is None:
        raise LookupError(
            f"the fake Kubernetes API knows no access policy {policy_name!r}: {sorted(POLICIES)}"
        )
    return (PolicyAssociation(policy, tuple(namespaces) if namespaces is not None else None),)
