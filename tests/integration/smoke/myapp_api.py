"""An emulation of myapp's mobile APIs, served over real HTTP(S) on 127.0.0.1.

Just enough of user-login, user-profile and payment (with Mastercard/Visa processor stubs) to
run the default smoke suite of config/myapp.yaml, plus switches that break it the ways a bad
release would: slow responses, 5xx, wrong JSON, a processor that declines everything. A
broken TLS certificate is a server started with `tls="self-signed"`.

Also used by scripts/bench_smoke.py.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TlsMode = Literal["none", "trusted", "self-signed"]
WrongJson = Literal["malformed", "shape"]

USERNAME = "smoke-user@myapp.test"
PASSWORD = "Sm0ke-P4ss-7f3a9c"
USER_ID = "u-1001"
MASTERCARD = "5555555555554444"
VISA = "4111111111111111"
DECLINED = "4000000000000002"
CVC = "737"

# The secrets as Secrets Manager would hold them for config/myapp.yaml.
SECRETS = {
    "myapp/prod/smoke-test-user": json.dumps({"username": USERNAME, "password": PASSWORD}),
    "myapp/prod/smoke-test-cards": json.dumps(
        {"mastercard": MASTERCARD, "visa": VISA, "declined": DECLINED, "cvc": CVC}
    ),
}


@dataclass
class Switches:
    """What to break; keys are path prefixes (e.g. `/payment`)."""

    delay_ms: dict[str, int] = field(default_factory=dict)
    fail_status: dict[str, int] = field(default_factory=dict)
    wrong_json: dict[str, WrongJson] = field(default_factory=dict)
    decline_all: bool = False

    @staticmethod
    def lookup(table: dict[str, Any], path: str) -> Any:
        return next((value for prefix, value in table.items() if path.startswith(prefix)), None)


@dataclass
class TlsFiles:
    ca_cert: Path
    cert: Path
    key: Path
    self_signed_cert: Path
    self_signed_key: Path

    def client_context(self) -> ssl.SSLContext:
        """Trusts the test CA only (not the self-signed certificate)."""
        return ssl.create_default_context(cafile=str(self.ca_cert))


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None = None) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        key_path = path.with_suffix(".key")
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_tls_files(directory: Path) -> TlsFiles:
    """A test CA and a server certificate it signed, plus a self-signed one nobody trusts."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("bluegreen test CA", ca_key, "bluegreen test CA", ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("127.0.0.1", key, "bluegreen test CA", ca_key, ca=False)
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue = _certificate("127.0.0.1", rogue_key, "127.0.0.1", rogue_key, ca=False)
    _write(directory / "ca.pem", ca)
    _write(directory / "server.pem", leaf, key)
    _write(directory / "rogue.pem", rogue, rogue_key)
    return TlsFiles(
        ca_cert=directory / "ca.pem",
        cert=directory / "server.pem",
        key=directory / "server.key",
        self_signed_cert=directory / "rogue.pem",
        self_signed_key=directory / "rogue.key",
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response and no Nagle: otherwise delayed ACKs add ~40 ms to every call.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests capture stderr."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _send(self, status: int, payload: Any = None, *, raw: bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        api = self.server.api
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            request = json.loads(raw) if raw else None
        except ValueError:
            self._send(400, {"error": {"code": "bad_json"}})
            return
        path = self.path
        switches = api.switches
        with api.lock:
            api.requests.append((self.command, path))
        delay = Switches.lookup(switches.delay_ms, path)
        if delay:
            time.sleep(delay / 1000)
        status = Switches.lookup(switches.fail_status, path)
        if status:
            # Like a careless error page: it echoes the request, secrets and all.
            self._send(status, {"error": "upstream unavailable", "request": request})
            return
        code, payload = api.route(self.command, path, self.headers.get("Authorization", ""), request)
        wrong = Switches.lookup(switches.wrong_json, path)
        if wrong == "malformed":
            self._send(code, raw=json.dumps(payload).encode()[:-12])
        elif wrong == "shape":
            self._send(code, {"data": payload})
        else:
            self._send(code, payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    api: MyAppApi


class MyAppApi:
    """Start with `with MyAppApi() as api:`; `api.url` is the base URL; flip `api.switches`."""

    def __init__(self, tls: TlsMode = "none", tls_files: TlsFiles | None = None) -> None:
        self.switches = Switches()
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self.tokens: set[str] = set()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        if tls != "none":
            if tls_files is None:
                raise ValueError("TLS needs tls_files")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            if tls == "trusted":
                context.load_cert_chain(tls_files.cert, tls_files.key)
            else:
                context.load_cert_chain(tls_files.self_signed_cert, tls_files.self_signed_key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        scheme = "http" if tls == "none" else "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="myapp-api", daemon=True
        )

    def __enter__(self) -> MyAppApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- myapp ------------------------------------------------------------------------

    def route(self, method: str, path: str, authorization: str, request: Any) -> tuple[int, Any]:
        if method == "POST" and path == "/user-login/v1/sessions":
            return self._login(request)
        if not self._authorized(authorization):
            return 401, {"error": {"code": "unauthorized"}}
        if method == "GET" and path.startswith("/user-profile/v1/users/"):
            if path.rsplit("/", 1)[1] != USER_ID:
                return 403, {"error": {"code": "forbidden"}}
            return 200, {
                "user_id": USER_ID,
                "email": USERNAME,
                "name": "Smoke Test",
                "phone": "+44 20 7946 0000",
            }
        if method == "POST" and path == "/payment/v1/bill-payments":
            return self._pay(request)
        return 404, {"error": {"code": "not_found"}}

    def _login(self, request: Any) -> tuple[int, Any]:
        if not isinstance(request, dict) or (request.get("username"), request.get("password")) != (
            USERNAME,
            PASSWORD,
        ):
            return 401, {"error": {"code": "invalid_credentials"}}
        token = "tok_" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens.add(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 900, "user_id": USER_ID}

    def _authorized(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        with self.lock:
            return scheme == "Bearer" and token in self.tokens

    def _pay(self, request: Any) -> tuple[int, Any]:
        card = request.get("card") if isinstance(request, dict) else None
        number = card.get("card_number", "") if isinstance(card, dict) else ""
        processor = {"5": "mastercard", "4": "visa"}.get(number[:1])
        if processor is None:
            return 422, {"error": {"code": "unsupported_card"}}
        if self.switches.decline_all or number == DECLINED:
            # Echoes the card like some processors do: the report must redact it.
            return HTTPStatus.PAYMENT_REQUIRED, {
                "status": "DECLINED",
                "processor": processor,
                "error": {"code": "card_declined", "message": "Do not honor"},
                "card": {"card_number": number},
            }
        return 201, {
            "status": "PAID",
            "payment_id": "pay_" + secrets.token_hex(6),
            "processor": processor,
            "amount": request.get("amount"),
            "card": {"last4": number[-4:]},
        }
