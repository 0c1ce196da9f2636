"""A small fake Kubernetes API server on 127.0.0.1 that the official ``kubernetes`` client talks to unchanged.

Usage in a test::

    with FakeKubeServer(auto_complete=True) as kube:
        apps = kubernetes.client.AppsV1Api(kube.api_client())
        ...
        kube.stall_rollout("green", "web")

With ``grant`` the server authorizes each request by its bearer token, as EKS does with access
entries (``access``). The HTTP side only reads and writes bytes; ``api.Api`` routes, authorizes
and decodes, and the API semantics live in ``store.Store``.
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

from bluegreen.local.fake_kube import errors
from bluegreen.local.fake_kube.access import AccessEntry, Authorizer, associations
from bluegreen.local.fake_kube.api import Api, ApiRequest
from bluegreen.local.fake_kube.controller import RolloutMode
from bluegreen.local.fake_kube.errors import KubeApiError
from bluegreen.local.fake_kube.resources import resource_type_for_kind
from bluegreen.local.fake_kube.store import ChangeListener, Obj, Store

logger = logging.getLogger(__name__)

DEFAULT_CONTROLLER_LAG = 1
"""The first read of a Deployment after a spec change sees the status of the spec before it."""


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the fake received it (discovery and health checks included), and its answer."""

    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str | None
    authorization: str | None
    body: bytes = field(repr=False, default=b"")
    code: int | None = None  # the status code answered
    accept: str | None = None

    @property
    def has_bearer_token(self) -> bool:
        return bool(
            self.authorization and self.authorization.lower().startswith("bearer ") and self.authorization[7:]
        )

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class FakeKubeServer:
    """Real HTTP, fake cluster: namespaces, deployments (+/status, /scale), services, ingresses,
    service accounts, config maps and secrets.

    ``auto_complete`` makes every deployment rollout finish (unless its pods lack what they
    reference); ``set_rollout_mode`` overrides it per deployment. ``controller_lag`` is how many
    reads of a Deployment see the old status after its spec changed (0: the status is written with
    the change). ``on_change(event, namespace, deployment)`` runs after each deployment write.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        auto_complete: bool = False,
        on_change: ChangeListener | None = None,
        controller_lag: int = DEFAULT_CONTROLLER_LAG,
    ) -> None:
        self._address = (host, port)
        self.store = Store(auto_complete=auto_complete, on_change=on_change, controller_lag=controller_lag)
        self.access = Authorizer()
        self.api = Api(self.store, self.access, lambda: self.url.removeprefix("http://"))
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
        """Forget every object, per-deployment rollout mode, access grant and recorded request."""
        self.store.reset()
        self.access.clear()
        self.clear_requests()

    def seed(self, objects: list[Obj]) -> None:
        """Create objects directly (namespaces they name are created too); a given ``status`` is kept."""
        self.store.seed(objects)

    def seed_yaml(self, text: str) -> None:
        self.seed([document for document in yaml.safe_load_all(text) if document])

    def get_object(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        return self.store.get_object(kind, namespace, name)

    def delete_object(self, kind: str, namespace: str | None, name: str) -> None:
        """Delete directly, as someone with access to the cluster would (no access check)."""
        self.store.delete(resource_type_for_kind(kind), namespace or "", name)

    def complete_rollout(self, namespace: str, name: str) -> Obj:
        return self.store.complete_rollout(namespace, name)

    def stall_rollout(self, namespace: str, name: str, *, deadline_exceeded: bool = True) -> Obj:
        return self.store.stall_rollout(namespace, name, deadline_exceeded=deadline_exceeded)

    def set_rollout_mode(self, namespace: str, name: str, mode: RolloutMode | str) -> None:
        """ "complete", "stall" or "manual" for this deployment's future spec changes."""
        self.store.set_rollout_mode(namespace, name, mode)

    @property
    def controller_lag(self) -> int:
        return self.store.controller.lag

    @controller_lag.setter
    def controller_lag(self, reads: int) -> None:
        self.store.controller.lag = reads

    def grant(
        self, token: str, username: str, policy: str, namespaces: list[str] | tuple[str, ...] | None = None
    ) -> None:
        """Requests with ``Authorization: Bearer <token>`` act as ``username`` with an EKS access policy
        ("AmazonEKSViewPolicy", "AmazonEKSEditPolicy", "AmazonEKSClusterAdminPolicy") on those namespaces
        (None: the cluster). From the first grant on, every other caller gets 401."""
        self.access.add(token, AccessEntry(username, associations(policy, namespaces)))

    def grant_iam(
        self,
        access_key_id: str,
        username: str,
        policy: str,
        namespaces: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        """EKS IAM tokens signed with ``access_key_id`` act as ``username`` (an access entry's principal)."""
        self.access.add_iam(access_key_id, AccessEntry(username, associations(policy, namespaces)))

    def grant_anonymous(self, policy: str, namespaces: list[str] | tuple[str, ...] | None = None) -> None:
        """Requests without a token act as ``system:anonymous`` with this policy (a harness's own calls)."""
        self.access.set_anonymous(AccessEntry("system:anonymous", associations(policy, namespaces)))

    # --- request handling (called by the handler threads) --------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._requests_lock:
            self._requests.append(request)


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
        authorization = self.headers.get("Authorization")
        request = ApiRequest(
            method,
            url.path.rstrip("/") or "/",
            query,
            content_type,
            self.headers.get("Accept"),
            authorization,
            self.headers.get("User-Agent"),
            body,
        )
        try:
            code, payload = fake.api.handle(request)
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
        fake._record(
            RecordedRequest(
                method,
                url.path,
                query,
                self.headers.get("Content-Type"),
                authorization,
                body,
                code,
                self.headers.get("Accept"),
            )
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
