"""One API request, from path and headers to (status code, body): routing, authentication and
authorization, discovery, the verbs, and the metadata-only view. No sockets here."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from bluegreen.local.fake_kube import discovery, errors
from bluegreen.local.fake_kube.access import AccessEntry, Authorizer, RequestAttributes
from bluegreen.local.fake_kube.errors import KubeApiError
from bluegreen.local.fake_kube.managed_fields import manager_from_user_agent
from bluegreen.local.fake_kube.objects import partial_metadata, partial_metadata_list
from bluegreen.local.fake_kube.patches import APPLY_PATCH
from bluegreen.local.fake_kube.resources import NAMESPACES, ResourceType, find_resource_type
from bluegreen.local.fake_kube.store import Store

PUBLIC_PATHS = ("/healthz", "/livez", "/readyz", "/version")  # system:public-info-viewer


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str = "application/json"
    accept: str | None = None
    authorization: str | None = None
    user_agent: str | None = None
    body: bytes = field(repr=False, default=b"")


@dataclass(frozen=True)
class Route:
    rtype: ResourceType
    namespace: str | None  # None: a cluster-scoped type, or a list across all namespaces
    name: str | None
    subresource: str | None


class Api:
    def __init__(self, store: Store, authorizer: Authorizer, server_address: Callable[[], str]) -> None:
        self.store = store
        self.authorizer = authorizer
        self.server_address = server_address

    def handle(self, request: ApiRequest) -> tuple[int, Any]:
        """The response (status code, JSON-able body) for one request; raises ``KubeApiError``."""
        path = request.path
        if path in PUBLIC_PATHS:
            return 200, discovery.KUBERNETES_VERSION if path == "/version" else "ok"
        entry = self.authorizer.authenticate(request.authorization)
        documents = self._discovery(path)
        if documents is not None:
            if request.method != "GET":
                raise errors.method_not_allowed()
            return 200, documents
        route = parse_route(path)
        params = {key: values[-1] for key, values in request.query.items()}
        self._authorize(entry, request.method, route, params)
        code, body = self._dispatch(request, route, params)
        return code, _as_requested(body, request.accept)

    def _authorize(
        self, entry: AccessEntry | None, method: str, route: Route, params: dict[str, str]
    ) -> None:
        if entry is None:
            return
        attributes = request_attributes(method, route, params)
        self.authorizer.authorize(entry, attributes)
        if attributes.verb == "patch" and route.subresource is None and route.name is not None:
            # An apply that creates the object also needs "create", as the apiserver checks.
            namespace = route.namespace or ""
            if not self.store.exists(route.rtype, namespace, route.name):
                self.authorizer.authorize(entry, RequestAttributes("create", *_scope(route)))

    def _dispatch(self, request: ApiRequest, route: Route, params: dict[str, str]) -> tuple[int, Any]:
        method, store = request.method, self.store
        dry_run = params.get("dryRun") == "All"
        manager = params.get("fieldManager") or manager_from_user_agent(request.user_agent)
        if route.name is None:
            return self._collection(request, route, params, dry_run, manager)
        if route.subresource not in (None, *route.rtype.subresources):
            raise errors.path_not_found(request.path)
        namespace = route.namespace or ""
        if method == "GET":
            return 200, store.get(route.rtype, namespace, route.name, route.subresource)
        if method == "PUT":
            body = decode(request.body, request.content_type)
            return 200, store.replace(
                route.rtype,
                namespace,
                route.name,
                body,
                subresource=route.subresource,
                dry_run=dry_run,
                manager=manager,
            )
        if method == "PATCH":
            patch_type = request.content_type.split(";")[0].strip().lower()
            patched, created = store.patch(
                route.rtype,
                namespace,
                route.name,
                patch_type,
                decode(request.body, patch_type),
                subresource=route.subresource,
                field_manager=params.get("fieldManager"),
                force=params["force"] == "true" if "force" in params else None,
                dry_run=dry_run,
                manager=manager,
            )
            return (201 if created else 200), patched
        if method == "DELETE" and route.subresource is None:
            options = decode(request.body, request.content_type) if request.body.strip() else None
            return 200, store.delete(route.rtype, namespace, route.name, options, dry_run=dry_run)
        raise errors.method_not_allowed()

    def _collection(
        self, request: ApiRequest, route: Route, params: dict[str, str], dry_run: bool, manager: str
    ) -> tuple[int, Any]:
        if request.method == "GET":
            if params.get("watch") in ("true", "1"):
                raise errors.bad_request("watch is not supported by the fake Kubernetes API")
            listing = self.store.list_objects(
                route.rtype, route.namespace, params.get("labelSelector", ""), params.get("fieldSelector", "")
            )
            return 200, listing
        if request.method == "POST" and (route.namespace is not None or not route.rtype.namespaced):
            body = decode(request.body, request.content_type)
            created = self.store.create(
                route.rtype, route.namespace or "", body, dry_run=dry_run, manager=manager
            )
            return 201, created
        raise errors.method_not_allowed()

    def _discovery(self, path: str) -> Any:
        if path == "/api":
            return discovery.core_versions(self.server_address())
        if path == "/apis":
            return discovery.api_group_list()
        if path == "/api/v1":
            return discovery.api_resource_list("v1")
        parts = path.strip("/").split("/")
        if parts[0] == "apis" and len(parts) == 2:
            return discovery.api_group(parts[1]) or _raise(errors.path_not_found(path))
        if parts[0] == "apis" and len(parts) == 3:
            return discovery.api_resource_list(f"{parts[1]}/{parts[2]}") or _raise(
                errors.path_not_found(path)
            )
        return None


_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def request_attributes(method: str, route: Route, params: dict[str, str]) -> RequestAttributes:
    """The verb and scope the apiserver's RequestInfo derives from the method and path."""
    if method == "GET":
        verb = "get" if route.name else ("watch" if params.get("watch") in ("true", "1") else "list")
    elif method == "DELETE":
        verb = "delete" if route.name else "deletecollection"
    else:
        verb = _VERBS.get(method, method.lower())
    return RequestAttributes(verb, *_scope(route))


def _scope(route: Route) -> tuple[str, str, str, str | None]:
    """(group, resource[/subresource], namespace, name); a namespace is its own namespace."""
    resource = route.rtype.plural + (f"/{route.subresource}" if route.subresource else "")
    namespace = route.namespace or (route.name if route.rtype is NAMESPACES and route.name else "")
    return route.rtype.group, resource, namespace or "", route.name


def _as_requested(body: Any, accept: str | None) -> Any:
    """``Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1``: metadata only."""
    if not accept or not isinstance(body, dict) or "as=PartialObjectMetadata" not in accept:
        return body
    if "as=PartialObjectMetadataList" in accept and "items" in body:
        return partial_metadata_list(body)
    if "items" in body:
        raise KubeApiError(406, "NotAcceptable", "only PartialObjectMetadataList is served for a list")
    return partial_metadata(body)


def _raise(error: KubeApiError) -> Any:
    raise error


def parse_route(path: str) -> Route:
    """Map ``/api/v1/...`` and ``/apis/<group>/<version>/...`` paths to a resource type and object."""
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) > 2:
        group_version, rest = parts[1], parts[2:]
    elif parts[0] == "apis" and len(parts) > 3:
        group_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
    else:
        raise errors.path_not_found(path)
    namespace: str | None = None
    nested = (
        len(rest) >= 3 and rest[0] == "namespaces" and find_resource_type(group_version, rest[2]) is not None
    )
    if nested and find_resource_type(group_version, rest[2]) is not NAMESPACES:
        namespace, rest = rest[1], rest[2:]
    rtype = find_resource_type(group_version, rest[0])
    if rtype is None or len(rest) > 3 or (namespace is None and rtype.namespaced and len(rest) > 1):
        raise errors.path_not_found(path)
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    return Route(rtype, namespace, name, subresource)


def decode(body: bytes, content_type: str) -> Any:
    """JSON, or YAML for apply patches and YAML bodies; an undecodable body is a 400 like the apiserver's."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError as exc:
        json_error = exc
    if content_type == APPLY_PATCH or "yaml" in content_type:
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise errors.bad_request(f"error decoding YAML: {exc}") from exc
    raise errors.bad_request(f"error decoding the request body as JSON: {json_error}")
