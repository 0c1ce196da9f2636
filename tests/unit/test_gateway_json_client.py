"""The JSON-protocol client against real local HTTP servers (no mocks of http.client)."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bluegreen.gateway.aws import (
    AwsServiceError,
    AwsTransportError,
    Credentials,
    JsonApiClient,
    StaticCredentials,
    default_endpoint,
)

NOW = datetime(2026, 11, 26, 7, 15, 0, tzinfo=UTC)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    # "answer"; "answer-then-close" (closes without saying so, like an idle timeout);
    # "drop" (closes without answering); "hang" (never answers)
    action: str = "answer"


def json_reply(status: int, document: Any, **headers: str) -> Reply:
    return Reply(
        status, json.dumps(document).encode(), {"Content-Type": "application/x-amz-json-1.1", **headers}
    )


class FakeAws:
    """A keep-alive HTTP/1.1 server answering each POST with `respond(request)`."""

    def __init__(self, respond: Callable[[Received], Reply]) -> None:
        self.respond = respond
        self.requests: list[Received] = []
        self.connections = 0
        self.connection_closed = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                return

            def setup(self) -> None:
                super().setup()
                with fake._lock:
                    fake.connections += 1

            def finish(self) -> None:
                super().finish()
                fake.connection_closed.set()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received = Received(self.path, dict(self.headers.items()), body)
                with fake._lock:
                    fake.requests.append(received)
                reply = fake.respond(received)
                if reply.action in ("drop", "hang"):
                    if reply.action == "hang":
                        fake.release.wait(10)
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                if reply.action == "answer-then-close":
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Received], Reply]], FakeAws]]:
    started: list[FakeAws] = []

    def start(respond: Callable[[Received], Reply]) -> FakeAws:
        fake = FakeAws(respond)
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def clients() -> Iterator[Callable[..., JsonApiClient]]:
    made: list[JsonApiClient] = []

    def make(endpoint_url: str, **overrides: Any) -> JsonApiClient:
        arguments: dict[str, Any] = {
            "service": "ssm",
            "target_prefix": "AmazonSSM",
            "json_version": "1.1",
            "region": "eu-west-1",
            "credentials": StaticCredentials(Credentials("AKIATESTKEY", SECRET, TOKEN)),
            "endpoint_url": endpoint_url,
            "clock": lambda: NOW,
        }
        client = JsonApiClient(**(arguments | overrides))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def closed_port_url() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}"


PARAMETER = {"Parameter": {"Name": "/bluegreen/myapp/prod/active-color", "Value": "green", "Version": 9}}


# -- answers ---------------------------------------------------------------------------------------


def test_successful_call_returns_the_answer_and_sends_a_signed_json_request(serve, clients):
    # Given a service answering GetParameter
    fake = serve(lambda _request: json_reply(200, PARAMETER))
    client = clients(fake.url)

    # When the client calls it
    answer = client.call("GetParameter", {"Name": "/bluegreen/myapp/prod/active-color"})

    # Then the answer is the decoded JSON
    assert answer == PARAMETER
    # And the server saw an AWS JSON-protocol request, SigV4-signed for this host and service
    (request,) = fake.requests
    assert request.path == "/"
    assert json.loads(request.body) == {"Name": "/bluegreen/myapp/prod/active-color"}
    assert request.header("X-Amz-Target") == "AmazonSSM.GetParameter"
    assert request.header("Content-Type") == "application/x-amz-json-1.1"
    assert request.header("Host") == fake.url.removeprefix("http://")
    assert request.header("X-Amz-Date") == "20261126T071500Z"
    assert request.header("X-Amz-Security-Token") == TOKEN
    assert request.header("User-Agent") == "bluegreen-gateway"
    assert request.header("Content-Length") == str(len(request.body))
    assert re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=AKIATESTKEY/20261126/eu-west-1/ssm/aws4_request, "
        r"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
        r"Signature=[0-9a-f]{64}",
        request.header("Authorization") or "",
    )


def test_empty_success_body_is_an_empty_answer(serve, clients):
    # Given a service answering 200 with no body (as DynamoDB PutItem can)
    fake = serve(lambda _request: Reply(200, b""))

    # When the client calls it
    answer = clients(fake.url).call("PutItem", {"TableName": "t", "Item": {}})

    # Then the answer is empty
    assert answer == {}


def test_unparseable_success_body_is_a_transport_error(serve, clients):
    # Given a service (or a captive proxy) answering 200 with HTML
    fake = serve(lambda _request: Reply(200, b"<html>hello</html>", {"Content-Type": "text/html"}))

    # When the client calls it
    with pytest.raises(AwsTransportError, match="not JSON"):
        clients(fake.url).call("GetParameter", {"Name": "x"})


# -- service errors ---------------------------------------------------------------------------------


def test_error_type_in_the_body_loses_its_namespace(serve, clients):
    # Given a service answering a namespaced __type
    fake = serve(
        lambda _request: json_reply(
            400,
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                "message": "Requested resource not found",
            },
            **{"x-amzn-RequestId": "REQ123"},
        )
    )

    # When the client calls it
    with pytest.raises(AwsServiceError) as raised:
        clients(fake.url, service="dynamodb").call("PutItem", {"TableName": "missing"})

    # Then the error carries the bare code, the message and the status
    error = raised.value
    assert (error.code, error.message, error.status) == (
        "ResourceNotFoundException",
        "Requested resource not found",
        400,
    )
    assert error.request_id == "REQ123"
    assert str(error) == (
        "dynamodb PutItem failed: ResourceNotFoundException (HTTP 400): Requested resource not found "
        "[request id REQ123]"
    )


def test_error_type_from_the_header(serve, clients):
    # Given a service naming the error only in x-amzn-ErrorType
    fake = serve(
        lambda _request: json_reply(
            400,
            {"Message": "Rate exceeded"},
            **{"x-amzn-ErrorType": "ThrottlingException:http://internal.amazon.com/coral/"},
        )
    )

    # When the client calls it
    with pytest.raises(AwsServiceError) as raised:
        clients(fake.url).call("GetParameter", {"Name": "x"})

    # Then the code is the header's part before the colon and the message comes from "Message"
    assert (raised.value.code, raised.value.message) == ("ThrottlingException", "Rate exceeded")


def test_non_json_error_is_http_status_with_a_snippet(serve, clients):
    # Given a load balancer answering 500 with a long HTML page
    page = b"<html><body>" + b"Internal Server Error " * 50 + b"</body></html>"
    fake = serve(lambda _request: Reply(500, page, {"Content-Type": "text/html"}))

    # When the client calls it
    with pytest.raises(AwsServiceError) as raised:
        clients(fake.url).call("GetParameter", {"Name": "x"})

    # Then the code is HTTP500 and the message a short piece of the body
    assert raised.value.code == "HTTP500"
    assert raised.value.status == 500
    assert raised.value.message.startswith("<html><body>Internal Server Error")
    assert len(raised.value.message) <= 200


def test_secrets_echoed_by_an_error_are_redacted(serve, clients):
    # Given a service whose signature error quotes the canonical request, session token included
    fake = serve(
        lambda request: json_reply(
            403,
            {
                "__type": "InvalidSignatureException",
                "message": "The canonical string was "
                f"x-amz-security-token:{request.header('X-Amz-Security-Token')}",
            },
        )
    )

    # When the client calls it
    with pytest.raises(AwsServiceError) as raised:
        clients(fake.url).call("GetParameter", {"Name": "x"})

    # Then the token is not in the error
    assert TOKEN not in str(raised.value)
    assert "x-amz-security-token:<redacted>" in raised.value.message


# -- transport -----------------------------------------------------------------------------------------


def test_connection_refused_is_a_transport_error(clients):
    # Given nothing listening on the endpoint
    client = clients(closed_port_url())

    # When the client calls it
    with pytest.raises(AwsTransportError) as raised:
        client.call("GetParameter", {"Name": "x"})

    # Then the error names the service, operation and endpoint
    assert "ssm GetParameter: http://127.0.0.1:" in str(raised.value)
    assert "ConnectionRefusedError" in str(raised.value)


def test_server_that_never_answers_times_out(serve, clients):
    # Given a server that accepts the request but never answers
    fake = serve(lambda _request: Reply(action="hang"))

    # When the client calls it with a short read timeout
    with pytest.raises(AwsTransportError, match=r"timed out after 0\.3 s waiting for the answer"):
        clients(fake.url, read_timeout=0.3).call("GetParameter", {"Name": "x"})

    # Then the request was sent once, not retried
    assert len(fake.requests) == 1


def test_fresh_connection_dropped_without_an_answer_is_not_retried(serve, clients):
    # Given a server that reads the request and hangs up without answering
    fake = serve(lambda _request: Reply(action="drop"))

    # When the client calls it on a brand-new connection
    with pytest.raises(AwsTransportError, match="RemoteDisconnected"):
        clients(fake.url).call("PutItem", {"TableName": "t", "Item": {}})

    # Then the request was sent once (the caller decides whether to try again)
    assert len(fake.requests) == 1


def test_keep_alive_connection_is_reused(serve, clients):
    # Given a service
    fake = serve(lambda _request: json_reply(200, PARAMETER))
    client = clients(fake.url)

    # When the client calls it three times
    answers = [client.call("GetParameter", {"Name": "x"}) for _ in range(3)]

    # Then all three went over one connection
    assert answers == [PARAMETER] * 3
    assert len(fake.requests) == 3
    assert fake.connections == 1


def test_idle_connection_closed_by_the_server_is_replaced_transparently(serve, clients, caplog):
    # Given a server that closes each connection after answering, without announcing it
    fake = serve(lambda _request: Reply(200, json.dumps(PARAMETER).encode(), action="answer-then-close"))
    client = clients(fake.url)
    assert client.call("GetParameter", {"Name": "x"}) == PARAMETER
    assert fake.connection_closed.wait(5)

    # When the client calls again on what it thinks is a live connection
    with caplog.at_level(logging.DEBUG, logger="bluegreen.gateway.aws.json_client"):
        answer = client.call("GetParameter", {"Name": "x"})

    # Then it noticed the stale connection, reconnected once and succeeded
    assert answer == PARAMETER
    assert fake.connections == 2
    assert "kept-alive connection was closed by the server" in caplog.text
    assert len(fake.requests) == 2


def test_announced_connection_close_is_honoured(serve, clients):
    # Given a server that says "Connection: close" on its answer
    fake = serve(lambda _request: json_reply(200, PARAMETER, Connection="close"))
    client = clients(fake.url)

    # When the client calls twice
    client.call("GetParameter", {"Name": "x"})
    client.call("GetParameter", {"Name": "x"})

    # Then each call used its own connection
    assert fake.connections == 2


def test_one_client_shared_by_threads(serve, clients):
    # Given a service and one client
    fake = serve(lambda request: json_reply(200, json.loads(request.body)))
    client = clients(fake.url)
    answers: dict[int, dict[str, Any]] = {}

    def worker(number: int) -> None:
        answers[number] = client.call("GetParameter", {"n": number})

    # When eight threads call at once
    threads = [threading.Thread(target=worker, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    # Then every call got its own answer over the single connection
    assert answers == {number: {"n": number} for number in range(8)}
    assert fake.connections == 1


def test_default_endpoints():
    # Given commercial and China regions
    # When the default endpoint is built
    # Then it follows the partition's DNS suffix
    assert default_endpoint("ssm", "eu-west-1") == "https://ssm.eu-west-1.amazonaws.com"
    assert default_endpoint("dynamodb", "cn-north-1") == "https://dynamodb.cn-north-1.amazonaws.com.cn"
