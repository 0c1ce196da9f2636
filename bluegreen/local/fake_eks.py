"""A fake of the few EKS API calls moto 5.2 lacks, over real HTTP: boto3's EKS client talks to it
unchanged (`endpoint_url`, or AWS_ENDPOINT_URL_EKS).

moto's EKS has no `accessConfig` (authentication mode) and no access entries. This serves
DescribeCluster (with both), ListAccessEntries, DescribeAccessEntry and ListAssociatedAccessPolicies,
answers errors as EKS does (`x-amzn-ErrorType`), refuses access-entry calls on a CONFIG_MAP cluster,
and records every request so that tests can assert that nothing was written.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from bluegreen.local.loopback import LoopbackService

ACCESS_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/{name}"


@dataclass
class AccessPolicy:
    name: str  # e.g. AmazonEKSEditPolicy
    namespaces: list[str] = field(default_factory=list)  # empty: cluster scope


@dataclass
class FakeCluster:
    name: str
    endpoint: str
    vpc_id: str
    subnet_ids: list[str]
    security_group_ids: list[str]
    authentication_mode: str | None = "API_AND_CONFIG_MAP"  # None: no accessConfig (an old cluster)
    status: str = "ACTIVE"
    endpoint_private_access: bool = True
    endpoint_public_access: bool = False
    cluster_security_group_id: str = "sg-0c1a55e5ec0000001"
    access_entries: dict[str, list[AccessPolicy]] = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)

    def describe(self, region: str, account: str) -> dict[str, Any]:
        cluster: dict[str, Any] = {
            "name": self.name,
            "arn": f"arn:aws:eks:{region}:{account}:cluster/{self.name}",
            "createdAt": self.created_at,
            "version": "1.31",
            "endpoint": self.endpoint,
            "roleArn": f"arn:aws:iam::{account}:role/{self.name}-cluster",
            "resourcesVpcConfig": {
                "subnetIds": self.subnet_ids,
                "securityGroupIds": self.security_group_ids,
                "clusterSecurityGroupId": self.cluster_security_group_id,
                "vpcId": self.vpc_id,
                "endpointPublicAccess": self.endpoint_public_access,
                "endpointPrivateAccess": self.endpoint_private_access,
                "publicAccessCidrs": ["0.0.0.0/0"],
            },
            "status": self.status,
            # any base64 will do: the fake cluster speaks plain HTTP
            "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="},
            "platformVersion": "eks.1",
        }
        if self.authentication_mode is not None:
            cluster["accessConfig"] = {"authenticationMode": self.authentication_mode}
        return cluster


@dataclass(frozen=True)
class EksRequest:
    method: str
    path: str


class FakeEksError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class FakeEks(LoopbackService):
    """Context manager: `url` for boto3's `endpoint_url`; `clusters` by name, editable by tests."""

    def __init__(self, region: str = "us-east-1", account: str = "123456789012") -> None:
        self.region = region
        self.account = account
        self.clusters: dict[str, FakeCluster] = {}
        self.requests: list[EksRequest] = []
        self.lock = threading.Lock()
        self._serve(_Server(self), name="fake-eks")

    def add(self, cluster: FakeCluster) -> FakeCluster:
        with self.lock:
            self.clusters[cluster.name] = cluster
        return cluster

    # -- the API ------------------------------------------------------------------------------

    def answer(self, method: str, path: str) -> dict[str, Any]:
        with self.lock:
            self.requests.append(EksRequest(method, path))
            parts = [unquote(p) for p in urlsplit(path).path.strip("/").split("/")]
            if method != "GET" or len(parts) < 2 or parts[0] != "clusters":
                raise FakeEksError(
                    404, "ResourceNotFoundException", f"the fake EKS does not serve {method} {path}"
                )
            cluster = self.clusters.get(parts[1])
            if cluster is None:
                raise FakeEksError(
                    404, "ResourceNotFoundException", f"No cluster found for name: {parts[1]}."
                )
            if len(parts) == 2:
                return {"cluster": cluster.describe(self.region, self.account)}
            if parts[2] != "access-entries":
                raise FakeEksError(404, "ResourceNotFoundException", f"the fake EKS does not serve {path}")
            if cluster.authentication_mode not in ("API", "API_AND_CONFIG_MAP"):
                raise FakeEksError(
                    400,
                    "InvalidRequestException",
                    "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to "
                    "perform this operation.",
                )
            if len(parts) == 3:
                return {"accessEntries": sorted(cluster.access_entries)}
            principal = "/".join(parts[3:-1]) if parts[-1] == "access-policies" else "/".join(parts[3:])
            policies = cluster.access_entries.get(principal)
            if policies is None:
                raise FakeEksError(
                    404,
                    "ResourceNotFoundException",
                    f"The specified access entry resource is not found: {principal}",
                )
            if parts[-1] != "access-policies":
                return {"accessEntry": self._entry(cluster, principal)}
            return {
                "clusterName": cluster.name,
                "principalArn": principal,
                "associatedAccessPolicies": [
                    {
                        "policyArn": ACCESS_POLICY_ARN.format(name=p.name),
                        "accessScope": {"type": "namespace", "namespaces": p.namespaces}
                        if p.namespaces
                        else {"type": "cluster"},
                        "associatedAt": cluster.created_at,
                        "modifiedAt": cluster.created_at,
                    }
                    for p in policies
                ],
            }

    def _entry(self, cluster: FakeCluster, principal: str) -> dict[str, Any]:
        return {
            "clusterName": cluster.name,
            "principalArn": principal,
            "kubernetesGroups": [],
            "accessEntryArn": f"arn:aws:eks:{self.region}:{self.account}:access-entry/{cluster.name}/role/x",
            "createdAt": cluster.created_at,
            "modifiedAt": cluster.created_at,
            "username": principal,
            "type": "STANDARD",
        }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _serve(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            status, body, headers = 200, self.server.fake.answer(self.command, self.path), {}
        except FakeEksError as exc:
            status = exc.status
            body = {"__type": exc.code, "message": exc.message}
            headers = {"x-amzn-ErrorType": exc.code}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeEks) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
