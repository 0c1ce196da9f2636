"""Kubernetes access: the official client, authenticated to EKS with an IAM token.

The token is what aws-iam-authenticator makes: a presigned STS GetCallerIdentity URL carrying the
`x-k8s-aws-id: <cluster>` header, base64url-encoded behind `k8s-aws-v1.`. It is valid for 15 minutes;
we refresh it after 10.
"""

from __future__ import annotations

import base64
import json
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

import botocore.session
from botocore.model import ServiceId
from botocore.regions import EndpointResolver
from botocore.signers import RequestSigner
from kubernetes import client as k8s

from bluegreen.clock import Clock, utc_now

TOKEN_PREFIX = "k8s-aws-v1."  # noqa: S105 - a format prefix, not a secret
TOKEN_REFRESH = timedelta(minutes=10)


class ApiClientFactory(Protocol):
    def __call__(self) -> k8s.ApiClient: ...


def sts_host(region: str, session: botocore.session.Session) -> str:
    """The regional STS host of `region`'s partition (`sts.cn-north-1.amazonaws.com.cn` in China),
    from botocore's endpoint data: what EKS verifies the token against, never a local override."""
    resolver = EndpointResolver(session.get_component("data_loader").load_data("endpoints"))
    endpoint = resolver.construct_endpoint("sts", region)
    if not endpoint or not endpoint.get("hostname"):
        raise ValueError(f"no STS endpoint known for region {region!r}")
    return str(endpoint["hostname"])


def eks_token(cluster_name: str, region: str, session: botocore.session.Session | None = None) -> str:
    """A bearer token for EKS from the caller's IAM credentials (no network call)."""
    session = session or botocore.session.get_session()
    credentials = session.get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials to sign the EKS token with")
    signer = RequestSigner(
        ServiceId("sts"), region, "sts", "v4", credentials, session.get_component("event_emitter")
    )
    host = sts_host(region, session)
    url = signer.generate_presigned_url(
        {
            "method": "GET",
            "url": f"https://{host}/?Action=GetCallerIdentity&Version=2011-06-15",
            "body": {},
            "headers": {"x-k8s-aws-id": cluster_name},
            "context": {},
        },
        region_name=region,
        expires_in=60,
        operation_name="",
    )
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")


class EksApiClientFactory:
    """ApiClients for one EKS cluster: endpoint and CA from DescribeCluster, a fresh IAM token."""

    def __init__(
        self,
        cluster_name: str,
        eks_client: Any,
        region: str,
        token_source: Callable[[str, str], str] = eks_token,
        clock: Clock = utc_now,
    ) -> None:
        self._cluster = cluster_name
        self._eks = eks_client
        self._region = region
        self._token_source = token_source
        self._now = clock
        self._lock = threading.Lock()
        self._endpoint: tuple[str, str] | None = None
        self._token: tuple[str, datetime] | None = None

    def _cluster_endpoint(self) -> tuple[str, str]:
        if self._endpoint is None:
            cluster = self._eks.describe_cluster(name=self._cluster)["cluster"]
            ca_file = tempfile.NamedTemporaryFile(prefix="eks-ca-", suffix=".crt", delete=False)  # noqa: SIM115
            with ca_file:
                ca_file.write(base64.b64decode(cluster["certificateAuthority"]["data"]))
            self._endpoint = (cluster["endpoint"], ca_file.name)
        return self._endpoint

    def _bearer(self) -> str:
        now = self._now()
        if self._token is None or now - self._token[1] > TOKEN_REFRESH:
            self._token = (self._token_source(self._cluster, self._region), now)
        return self._token[0]

    def __call__(self) -> k8s.ApiClient:
        with self._lock:
            endpoint, ca_path = self._cluster_endpoint()
            configuration = k8s.Configuration()
            configuration.host = endpoint
            configuration.ssl_ca_cert = ca_path
            configuration.api_key = {"BearerToken": self._bearer()}
            configuration.api_key_prefix = {"BearerToken": "Bearer"}
        return k8s.ApiClient(configuration)


class StaticApiClientFactory:
    """ApiClients for a fixed configuration (the local fake API server, or a kubeconfig)."""

    def __init__(self, configuration: k8s.Configuration) -> None:
        self._configuration = configuration

    def __call__(self) -> k8s.ApiClient:
        return k8s.ApiClient(self._configuration)


_APPLY_PATHS = {
    ("apps/v1", "Deployment"): "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
    ("v1", "Service"): "/api/v1/namespaces/{namespace}/services/{name}",
    ("v1", "ConfigMap"): "/api/v1/namespaces/{namespace}/configmaps/{name}",
    ("v1", "ServiceAccount"): "/api/v1/namespaces/{namespace}/serviceaccounts/{name}",
    ("networking.k8s.io/v1", "Ingress"): "/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses/{name}",
}


class Deployments:
    """The few Deployment operations a release needs, returning plain dicts (camelCase, as the API)."""

    FIELD_MANAGER = "bluegreen"

    def __init__(self, api_client: k8s.ApiClient) -> None:
        self._api_client = api_client
        self._apps = k8s.AppsV1Api(api_client)

    def _plain(self, obj: Any) -> dict[str, Any]:
        return dict(self._api_client.sanitize_for_serialization(obj))  # type: ignore[no-untyped-call]

    def read(self, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return self._plain(self._apps.read_namespaced_deployment(name, namespace))
        except k8s.ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def create(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._plain(self._apps.create_namespaced_deployment(namespace, body))  # type: ignore[arg-type]

    def patch(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """A strategic-merge patch: containers merge by name, so sidecars are kept."""
        return self._plain(self._apps.patch_namespaced_deployment(name, namespace, body))

    def apply(self, namespace: str, manifest: dict[str, Any]) -> dict[str, Any]:
        """Server-side apply one manifest into `namespace` (its own namespace field is overridden)."""
        key = (manifest.get("apiVersion"), manifest.get("kind"))
        template = _APPLY_PATHS.get(key)  # type: ignore[arg-type]
        if template is None:
            raise ValueError(
                f"cannot apply {key[1]} {key[0]}: supported kinds are {sorted(k for _, k in _APPLY_PATHS)}"
            )
        name = manifest.get("metadata", {}).get("name")
        if not name:
            raise ValueError("manifest has no metadata.name")
        body = {**manifest, "metadata": {**manifest["metadata"], "namespace": namespace}}
        _, text = _call(
            self._api_client,
            "PATCH",
            template,
            {"namespace": namespace, "name": name},
            query=[("fieldManager", self.FIELD_MANAGER), ("force", "true")],
            headers={"Content-Type": "application/apply-patch+yaml", "Accept": "application/json"},
            body=body,
        )
        return dict(json.loads(text))


_METADATA_PATHS = {
    "ServiceAccount": "/api/v1/namespaces/{namespace}/serviceaccounts/{name}",
    "ConfigMap": "/api/v1/namespaces/{namespace}/configmaps/{name}",
    "Secret": "/api/v1/namespaces/{namespace}/secrets/{name}",
}
METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"


class NamespacedObjects:
    """Whether a ServiceAccount, ConfigMap or Secret exists, read as metadata only: the response never
    carries a Secret's data (``Accept: ...;as=PartialObjectMetadata``), though RBAC still needs ``get``."""

    def __init__(self, api_client: k8s.ApiClient) -> None:
        self._api_client = api_client

    def exists(self, kind: str, namespace: str, name: str) -> bool:
        template = _METADATA_PATHS.get(kind)
        if template is None:
            raise ValueError(f"cannot look up {kind}: supported kinds are {sorted(_METADATA_PATHS)}")
        status, _ = _call(
            self._api_client,
            "GET",
            template,
            {"namespace": namespace, "name": name},
            headers={"Accept": METADATA_ONLY},
            allow=(404,),
        )
        return status != 404


def _call(
    api_client: k8s.ApiClient,
    method: str,
    resource_path: str,
    path_params: dict[str, str],
    *,
    query: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    allow: tuple[int, ...] = (),
) -> tuple[int, str]:
    """A request the generated API methods cannot make (apply, metadata-only reads): (status, body).
    A status outside 2xx and ``allow`` raises ``ApiException`` as the generated methods do."""
    request = api_client.param_serialize(
        method=method,
        resource_path=resource_path,
        path_params=path_params,
        query_params=query or [],
        header_params=headers or {},
        body=body,
        auth_settings=["BearerToken"],
    )
    response = api_client.call_api(*request)
    response.read()  # type: ignore[no-untyped-call]
    text = response.data.decode("utf-8") if response.data else ""
    if not 200 <= response.status <= 299 and response.status not in allow:
        raise k8s.ApiException.from_response(http_resp=response, body=text, data=None)
    return response.status, text
