"""A small fake Kubernetes API server on 127.0.0.1 that the official ``kubernetes`` client talks to unchanged.

Usage in a test::

    with FakeKubeServer(auto_complete=True) as kube:
        apps = kubernetes.client.AppsV1Api(kube.api_client())
        ...
        kube.stall_rollout("green", "web")

The HTTP side only routes and decodes; the API semantics live in ``store.Store``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import kubernetes.client
import yaml

from bluegreen.local.fake_kube import discovery, errors
from bluegreen.local.fake_kube.controller import RolloutMode
from bluegreen.local.fake_kube.errors import KubeApiError
from bluegreen.local.fake_kube.patches import APPLY_PATCH
from bluegreen.local.fake_kube.resources import NAMESPACES, ResourceType, find_resource_type
from bluegreen.local.fake_kube.store import ChangeListener, Obj, Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the fake received it (discovery and health checks included)."""

    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str | None
    authorization: str | None
    body: bytes = field(repr=False, default=b"")

    @property
    def has_bearer_token(self) -> bool:
        return bool(
            self.authorization and self.authorization.lower().startswith("bearer ") and self.authorization[7:]
        )

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class _Route:
    rtype: ResourceType
    namespace: str | None  # None: a cluster-scoped type, or a list across all namespaces
    name: str | None
    subresource: str | None


class FakeKubeServer:
    """Real HTTP, fake cluster: namespaces, deployments (+/status, /scale), services, ingresses.

    ``auto_complete`` makes every deployment rollout finish at once; ``set_rollout_mode`` overrides it
    per deployment. ``on_change(event, namespace, deployment)`` runs after each deployment write.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        auto_complete: bool = False,
        on_change: ChangeListener | None = None,
    ) -> None:
        self._address = (host, port)
        self.store = Store(auto_complete=auto_complete, on_change=on_change)
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeKubeServer:
        if self._httpd is not None:
            raise RuntimeError("the fake Kubernetes API server is already running")
        self._httpd = _HTTPServer(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-kube", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.shutdown()
        thread.join()
        httpd.server_close()
        self._httpd = self._thread = None

    def __enter__(self) -> FakeKubeServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake Kubernetes API server is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- clients -------------------------------------------------------------------------------

    def client_configuration(self, token: str | None = None) -> kubernetes.client.Configuration:
        """Configuration for this server; with ``token``, requests carry ``Authorization: Bearer <token>``."""
        configuration = kubernetes.client.Configuration(host=self.url, no_proxy="*")
        if token is not None:
            configuration.api_key = {"authorization": token}
            configuration.api_key_prefix = {"authorization": "Bearer"}
        return configuration

    def api_client(self, token: str | None = None) -> kubernetes.client.ApiClient:
        return kubernetes.client.ApiClient(self.client_configuration(token))

    # --- test hooks ----------------------------------------------------------------------------

    @property
    def auto_complete(self) -> bool:
        """Whether rollouts of deployments without their own mode finish at once (else: manual)."""
        return self.store.default_mode is RolloutMode.COMPLETE

    @auto_complete.setter
    def auto_complete(self, enabled: bool) -> None:
        self.store.default_mode = RolloutMode.COMPLETE if enabled else RolloutMode.MANUAL

    @property
    def on_change(self) -> ChangeListener | None:
        return self.store.on_change

    @on_change.setter
    def on_change(self, listener: ChangeListener | None) -> None:
        self.store.on_change = listener

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def reset(self) -> None:
        """Forget every object, per-deployment rollout mode and recorded request."""
        self.store.reset()
        self.clear_requests()

    def seed(self, objects: list[Obj]) -> None:
        """Create objects directly (namespaces they name are created too); a given ``status`` is kept."""
        self.store.seed(objects)

    def seed_yaml(self, text: str) -> None:
        self.seed([document for document in yaml.safe_load_all(text) if document])

    def get_object(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        return self.store.get_object(kind, namespace, name)

    def complete_rollout(self, namespace: str, name: str) -> Obj:
        return self.store.complete_rollout(namespace, name)

    def stall_rollout(self, namespace: str, name: str, *, deadline_exceeded: bool = True) -> Obj:
        return self.store.stall_rollout(namespace, name, deadline_exceeded=deadline_exceeded)

    def set_rollout_mode(self, namespace: str, name: str, mode: RolloutMode | str) -> None:
        """ "complete", "stall" or "manual" for this deployment's future spec changes."""
        self.store.set_rollout_mode(namespace, name, mode)

    # --- request handling (called by the handler threads) --------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._requests_lock:
            self._requests.append(request)

    def _handle(
        self, method: str, path: str, query: dict[str, list[str]], content_type: str, body: bytes
    ) -> tuple[int, Any]:
        """The response (status code, JSON-able body) for one request; raises ``KubeApiError``."""
        documents = self._discovery(path)
        if documents is not None:
            if method != "GET":
                raise errors.method_not_allowed()
            return 200, documents
        route = _route(path)
        params = {key: values[-1] for key, values in query.items()}
        dry_run = params.get("dryRun") == "All"
        if route.name is None:
            return self._handle_collection(method, route, params, content_type, body, dry_run)
        if route.subresource not in (None, *route.rtype.subresources):
            raise errors.path_not_found(path)
        namespace = route.namespace or ""
        if method == "GET":
            return 200, self.store.get(route.rtype, namespace, route.name, route.subresource)
        if method == "PUT":
            replaced = self.store.replace(
                route.rtype,
                namespace,
                route.name,
                _decode(body, content_type),
                subresource=route.subresource,
                dry_run=dry_run,
            )
            return 200, replaced
        if method == "PATCH":
            patch_type = content_type.split(";")[0].strip().lower()
            patched, created = self.store.patch(
                route.rtype,
                namespace,
                route.name,
                patch_type,
                _decode(body, patch_type),
                subresource=route.subresource,
                field_manager=params.get("fieldManager"),
                force=params["force"] == "true" if "force" in params else None,
                dry_run=dry_run,
            )
            return (201 if created else 200), patched
        if method == "DELETE" and route.subresource is None:
            options = _decode(body, content_type) if body.strip() else None
            return 200, self.store.delete(route.rtype, namespace, route.name, options, dry_run=dry_run)
        raise errors.method_not_allowed()

    def _handle_collection(
        self,
        method: str,
        route: _Route,
        params: dict[str, str],
        content_type: str,
        body: bytes,
        dry_run: bool,
    ) -> tuple[int, Any]:
        if method == "GET":
            if params.get("watch") in ("true", "1"):
                raise errors.bad_request("watch is not supported by the fake Kubernetes API")
            listing = self.store.list_objects(
                route.rtype, route.namespace, params.get("labelSelector", ""), params.get("fieldSelector", "")
            )
            return 200, listing
        if method == "POST" and (route.namespace is not None or not route.rtype.namespaced):
            created = self.store.create(
                route.rtype, route.namespace or "", _decode(body, content_type), dry_run=dry_run
            )
            return 201, created
        raise errors.method_not_allowed()

    def _discovery(self, path: str) -> Any:
        if path in ("/healthz", "/livez", "/readyz"):
            return "ok"
        if path == "/version":
            return discovery.KUBERNETES_VERSION
        if path == "/api":
            return discovery.core_versions(self.url.removeprefix("http://"))
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


def _raise(error: KubeApiError) -> Any:
    raise error


def _route(path: str) -> _Route:
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
    return _Route(rtype, namespace, name, subresource)


def _decode(body: bytes, content_type: str) -> Any:
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


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    timeout = 30  # seconds an idle kept-alive connection may hold a thread

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        content_type = self.headers.get("Content-Type", "application/json")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fake._record(
            RecordedRequest(
                method,
                url.path,
                query,
                self.headers.get("Content-Type"),
                self.headers.get("Authorization"),
                body,
            )
        )
        try:
            code, payload = fake._handle(method, url.path.rstrip("/") or "/", query, content_type, body)
        except KubeApiError as exc:
            code, payload = exc.code, exc.to_status()
        except LookupError as exc:  # a hook's missing deployment cannot come from HTTP, but be safe
            code, payload = 404, errors.KubeApiError(404, "NotFound", str(exc)).to_status()
        except Exception as exc:
            logger.exception("fake Kubernetes API failed on %s %s", method, self.path)
            code, payload = (
                500,
                errors.KubeApiError(500, "InternalError", f"fake apiserver error: {exc}").to_status(),
            )
        if isinstance(payload, str):
            self._send(code, payload.encode(), "text/plain; charset=utf-8")
        else:
            self._send(code, json.dumps(payload).encode(), "application/json")

    def _send(self, code: int, data: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake-kube: " + format, *args)


class _HTTPServer(ThreadingHTTPServer):
    """Tracks its connections so that ``server_close`` ends kept-alive ones and joins their threads."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeKubeServer) -> None:
        self.fake = fake
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open[request] = threading.current_thread()
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.pop(request, None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("fake-kube: connection from %s ended with an error", client_address, exc_info=True)

    def server_close(self) -> None:
        super().server_close()
        with self._open_lock:
            open_connections = list(self._open.items())
        for connection, _ in open_connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        for _, thread in open_connections:
            thread.join(timeout=5)
