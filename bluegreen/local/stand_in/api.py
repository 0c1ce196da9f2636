"""What one colour's pods answer, service by service, under each service's path.

Every service answers its health path (`{"status": "ok", "service", "version", "color"}`) and any
other GET under its path with the same facts. A service may also stand in for one job of the app:

- `sessions`: a POST logs a user in (`{access_token, token_type: Bearer, expires_in, user_id}`);
- `profiles`: a GET of `.../<user id>` with that user's bearer token returns the profile;
- `payments`: a POST with a bearer token pays by card (bluegreen.local.stand_in.payments).

Faults make it behave like a bad release: slow or failing paths, JSON of the wrong shape, a
processor that declines a card network (or every card).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from bluegreen.local.stand_in.cards import MASTERCARD, VISA
from bluegreen.local.stand_in.payments import CardPayments

Kind = Literal["health", "sessions", "profiles", "payments"]
KINDS: tuple[Kind, ...] = ("health", "sessions", "profiles", "payments")
WrongJson = Literal["malformed", "shape"]


@dataclass(frozen=True)
class ServiceStandIn:
    name: str
    prefix: str
    """The first segment of the service's health path (`/payment` for `/payment/health`)."""
    health_path: str
    kind: Kind = "health"

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


@dataclass(frozen=True)
class StandInUser:
    user_id: str
    username: str
    password: str
    email: str = ""
    name: str = ""
    phone: str = ""


@dataclass
class Faults:
    """What to break; keys of the path tables are path prefixes (e.g. `/payment`)."""

    delay_ms: dict[str, int] = field(default_factory=dict)
    fail_status: dict[str, int] = field(default_factory=dict)
    wrong_json: dict[str, WrongJson] = field(default_factory=dict)
    decline_all: bool = False
    declined_brands: set[str] = field(default_factory=set)

    @staticmethod
    def lookup(table: Mapping[str, Any], path: str) -> Any:
        return next((value for prefix, value in table.items() if path.startswith(prefix)), None)

    def declining(self) -> frozenset[str]:
        return frozenset({VISA, MASTERCARD}) if self.decline_all else frozenset(self.declined_brands)


@dataclass(frozen=True)
class StandInSpec:
    """Everything a pods process needs, as JSON: `python -m bluegreen.local.app_server --spec FILE`."""

    color: str
    services: tuple[ServiceStandIn, ...]
    users: tuple[StandInUser, ...] = ()
    versions: Mapping[str, str] | None = None
    """Service -> version deployed; a service missing here has no pods. None: every service, `local`."""
    faults: Faults = field(default_factory=Faults)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=sorted)

    @classmethod
    def from_json(cls, text: str) -> StandInSpec:
        data = json.loads(text)
        faults = dict(data.get("faults") or {})
        faults["declined_brands"] = set(faults.get("declined_brands") or ())
        return cls(
            color=str(data["color"]),
            services=tuple(ServiceStandIn(**s) for s in data["services"]),
            users=tuple(StandInUser(**u) for u in data.get("users") or ()),
            versions=data.get("versions"),
            faults=Faults(**faults),
        )


@dataclass(frozen=True)
class Reply:
    status: int
    payload: Any = None
    raw: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        return self.raw if self.raw is not None else json.dumps(self.payload).encode()


def _error(status: int, code: str, message: str = "") -> Reply:
    return Reply(status, {"error": {"code": code, **({"message": message} if message else {})}})


class StandInApi:
    """Thread-safe; `requests` records (method, path) of every request that parsed."""

    def __init__(self, spec: StandInSpec, today: date | None = None) -> None:
        self.spec = spec
        self.faults = spec.faults
        self.payments = CardPayments(today)
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self._sessions: dict[str, str] = {}  # access token -> user id
        # Longest prefix first, so that `/pay/refunds` does not go to a service at `/pay`.
        self._services = sorted(spec.services, key=lambda s: len(s.prefix), reverse=True)

    @property
    def tokens(self) -> set[str]:
        with self.lock:
            return set(self._sessions)

    def handle(self, method: str, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        """`headers` with lower-case names."""
        try:
            request = json.loads(raw) if raw else None
        except ValueError:
            return _error(400, "bad_json")
        with self.lock:
            self.requests.append((method, path))
        faults = self.faults
        delay = Faults.lookup(faults.delay_ms, path)
        if delay:
            time.sleep(delay / 1000)
        status = Faults.lookup(faults.fail_status, path)
        if status:
            # Like a careless error page: it echoes the request, secrets and all.
            return Reply(status, {"error": "upstream unavailable", "request": request})
        reply = self.route(method, path, headers, request)
        wrong = Faults.lookup(faults.wrong_json, path)
        if wrong == "malformed":
            return Reply(reply.status, raw=reply.body()[:-12], headers=reply.headers)
        if wrong == "shape":
            return Reply(reply.status, {"data": reply.payload}, headers=reply.headers)
        return reply

    def route(self, method: str, path: str, headers: Mapping[str, str], request: Any) -> Reply:
        bare = path.split("?", 1)[0]
        service = next((s for s in self._services if s.owns(bare)), None)
        if service is None:
            return _error(404, "not_found", f"no service answers {bare}")
        versions = self.spec.versions
        version = "local" if versions is None else versions.get(service.name)
        if version is None:  # as an ingress answers for a service with no ready endpoints
            return _error(503, "no_pods", f"{service.name} has no pods in {self.spec.color}")
        facts = {"service": service.name, "version": version, "color": self.spec.color}
        if method == "GET" and bare == service.health_path:
            return Reply(200, {"status": "ok", **facts})
        if service.kind == "sessions" and method == "POST":
            return self._login(request)
        if service.kind == "profiles" and method == "GET":
            return self._profile(bare, headers)
        if service.kind == "payments" and method == "POST":
            return self._pay(request, headers)
        if method == "GET":
            return Reply(200, {**facts, "path": path})
        return _error(404, "not_found", f"{service.name} has no {method} {bare}")

    def _login(self, request: Any) -> Reply:
        given = (request.get("username"), request.get("password")) if isinstance(request, dict) else None
        user = next((u for u in self.spec.users if (u.username, u.password) == given), None)
        if user is None:
            return _error(401, "invalid_credentials")
        token = "tok_" + secrets.token_urlsafe(24)
        with self.lock:
            self._sessions[token] = user.user_id
        return Reply(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": 900, "user_id": user.user_id}
        )

    def _caller(self, headers: Mapping[str, str]) -> StandInUser | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        with self.lock:
            user_id = self._sessions.get(token) if scheme == "Bearer" else None
        return next((u for u in self.spec.users if u.user_id == user_id), None)

    def _profile(self, path: str, headers: Mapping[str, str]) -> Reply:
        caller = self._caller(headers)
        if caller is None:
            return _error(401, "unauthorized")
        if path.rstrip("/").rsplit("/", 1)[1] != caller.user_id:
            return _error(403, "forbidden")
        return Reply(
            200,
            {"user_id": caller.user_id, "email": caller.email, "name": caller.name, "phone": caller.phone},
        )

    def _pay(self, request: Any, headers: Mapping[str, str]) -> Reply:
        caller = self._caller(headers)
        if caller is None:
            return _error(401, "unauthorized")
        answer = self.payments.pay(
            caller.user_id, request, headers.get("idempotency-key"), self.faults.declining()
        )
        extra = {"Idempotent-Replayed": "true"} if answer.replayed else {}
        return Reply(answer.status, answer.body, headers=extra)
