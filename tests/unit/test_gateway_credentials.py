"""Credentials chain and region resolution, IMDSv2 against a real local HTTP server."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bluegreen.gateway.aws import (
    AwsConfigError,
    AwsCredentialsError,
    CredentialChain,
    Credentials,
    InstanceMetadata,
    resolve_region,
)

T0 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"
ROLE = "bluegreen-gateway-role"
NO_IMDS = {"AWS_EC2_METADATA_DISABLED": "true"}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeImds:
    """IMDSv2 on 127.0.0.1: every GET needs a token from PUT /latest/api/token, else 401."""

    def __init__(self) -> None:
        self.documents: list[dict[str, str]] = []
        self.failing = False
        self.region = "eu-central-1"
        self.role = ROLE
        self.tokens: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        imds = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_PUT(self) -> None:
                imds.record("PUT", self.path)
                if self.path != "/latest/api/token" or not self.headers.get(
                    "X-aws-ec2-metadata-token-ttl-seconds"
                ):
                    self.answer(400, b"")
                    return
                with imds._lock:
                    token = f"imds-token-{len(imds.tokens)}"
                    imds.tokens.add(token)
                self.answer(200, token.encode())

            def do_GET(self) -> None:
                imds.record("GET", self.path)
                if self.headers.get("X-aws-ec2-metadata-token") not in imds.tokens:
                    self.answer(401, b"")
                    return
                if self.path == "/latest/meta-data/placement/region":
                    self.answer(200, imds.region.encode())
                elif self.path == "/latest/meta-data/iam/security-credentials/":
                    self.answer(200, imds.role.encode()) if imds.role else self.answer(404, b"")
                elif self.path == f"/latest/meta-data/iam/security-credentials/{imds.role}":
                    if imds.failing or not imds.documents:
                        self.answer(500, b"internal error")
                    else:
                        self.answer(200, json.dumps(imds.documents[0]).encode())
                else:
                    self.answer(404, b"")

            def answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def serve(self, access_key: str, expires_at: datetime) -> None:
        self.documents.insert(
            0,
            {
                "Code": "Success",
                "LastUpdated": T0.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Type": "AWS-HMAC",
                "AccessKeyId": access_key,
                "SecretAccessKey": SECRET,
                "Token": TOKEN,
                "Expiration": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )

    def credential_fetches(self) -> int:
        return sum(1 for method, path in self.requests if method == "GET" and path.endswith(ROLE))


@pytest.fixture
def imds() -> Iterator[FakeImds]:
    fake = FakeImds()
    fake._thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def closed_port_url() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}"


def write_credentials(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- environment and shared file -----------------------------------------------------------------


def test_environment_variables_come_first(tmp_path):
    # Given keys in the environment and a shared credentials file too
    write_credentials(
        tmp_path / ".aws" / "credentials",
        "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n",
    )
    environ = {"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN}

    # When credentials are asked for
    credentials = CredentialChain(environ=environ | NO_IMDS, home=tmp_path).get()

    # Then the environment's keys win, with the session token
    assert credentials == Credentials("AKIAENV", SECRET, TOKEN, None)


def test_half_configured_environment_is_an_error_without_the_secret(tmp_path):
    # Given only the secret half of the environment keys
    environ = {"AWS_SECRET_ACCESS_KEY": SECRET} | NO_IMDS

    # When credentials are asked for
    with pytest.raises(AwsCredentialsError) as raised:
        CredentialChain(environ=environ, home=tmp_path).get()

    # Then the error names the missing variable and never shows the secret
    assert "AWS_ACCESS_KEY_ID" in str(raised.value)
    assert SECRET not in str(raised.value)


def test_shared_file_profile_from_aws_profile(tmp_path):
    # Given a shared credentials file with two profiles and AWS_PROFILE naming the second
    write_credentials(
        tmp_path / ".aws" / "credentials",
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = default-secret\n\n"
        f"[gateway]\naws_access_key_id = AKIAGATEWAY\naws_secret_access_key = {SECRET}\n"
        f"aws_session_token = {TOKEN}\n",
    )

    # When credentials are asked for
    credentials = CredentialChain(environ={"AWS_PROFILE": "gateway"} | NO_IMDS, home=tmp_path).get()

    # Then the named profile's keys are used
    assert credentials == Credentials("AKIAGATEWAY", SECRET, TOKEN, None)


def test_shared_file_location_from_environment(tmp_path):
    # Given a credentials file outside the home directory, named by AWS_SHARED_CREDENTIALS_FILE
    path = write_credentials(
        tmp_path / "elsewhere" / "creds.ini",
        f"[default]\naws_access_key_id = AKIAELSEWHERE\naws_secret_access_key = {SECRET}\n",
    )
    environ = {"AWS_SHARED_CREDENTIALS_FILE": str(path)} | NO_IMDS

    # When credentials are asked for
    credentials = CredentialChain(environ=environ, home=tmp_path / "home").get()

    # Then that file's default profile is used
    assert credentials.access_key == "AKIAELSEWHERE"
    assert credentials.expires_at is None


@pytest.mark.parametrize(
    "text",
    [
        f"aws_secret_access_key = {SECRET}\n[default]\n",
        f"[default]\naws_access_key_id = AKIABROKEN\n{SECRET}\n",
        f"[default]\naws_secret_access_key = {SECRET}\naws_secret_access_key = {SECRET}\n",
    ],
    ids=["no-section-header", "line-without-equals", "duplicate-option"],
)
def test_unparseable_shared_file_does_not_quote_its_lines(tmp_path, text):
    # Given a credentials file whose broken line holds the secret
    write_credentials(tmp_path / ".aws" / "credentials", text)

    # When credentials are asked for
    with pytest.raises(AwsCredentialsError) as raised:
        CredentialChain(environ=NO_IMDS, home=tmp_path).get()

    # Then the error names the file, not its content
    assert str(tmp_path / ".aws" / "credentials") in str(raised.value)
    assert SECRET not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_nothing_found_lists_every_source_tried(tmp_path):
    # Given no keys in the environment, a credentials file without the selected profile, and IMDS down
    write_credentials(
        tmp_path / ".aws" / "credentials",
        f"[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = {SECRET}\n",
    )
    chain = CredentialChain(environ={}, home=tmp_path, imds_base_url=closed_port_url())

    # When credentials are asked for
    with pytest.raises(AwsCredentialsError) as raised:
        chain.get()

    # Then the message says what was tried and why each failed, with no secret in it
    message = str(raised.value)
    assert "no AWS credentials found" in message
    assert "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: not set" in message
    assert f"{tmp_path / '.aws' / 'credentials'} (profile 'default'): no such profile" in message
    assert "EC2 instance metadata at http://127.0.0.1:" in message
    assert SECRET not in message


def test_disabled_instance_metadata_is_said_so(tmp_path):
    # Given nothing configured and IMDS disabled
    chain = CredentialChain(environ=NO_IMDS, home=tmp_path)

    # When credentials are asked for
    with pytest.raises(AwsCredentialsError, match="disabled by AWS_EC2_METADATA_DISABLED=true") as raised:
        chain.get()

    # Then the missing file is reported too
    assert "file not found" in str(raised.value)


def test_repr_hides_secret_and_token():
    # Given temporary credentials
    credentials = Credentials("AKIAREPR", SECRET, TOKEN, T0)

    # When they are rendered for a log line
    texts = (repr(credentials), str(credentials), f"{credentials}", repr([credentials]))

    # Then the key id shows and neither secret does
    for text in texts:
        assert "AKIAREPR" in text
        assert SECRET not in text
        assert TOKEN not in text
    assert "token=None" in repr(Credentials("AKIAREPR", SECRET))


# -- instance metadata (IMDSv2) ------------------------------------------------------------------


def test_imds_refuses_requests_without_a_session_token(imds):
    # Given the fake metadata service
    connection = http.client.HTTPConnection("127.0.0.1", imds.server.server_address[1], timeout=2)

    # When it is asked IMDSv1-style, with no token
    connection.request("GET", "/latest/meta-data/iam/security-credentials/")
    status = connection.getresponse().status
    connection.close()

    # Then it answers 401, so the client under test has to speak IMDSv2
    assert status == 401


def test_imds_credentials_fetched_with_a_token_and_cached(imds, tmp_path):
    # Given an instance role whose credentials expire in an hour
    imds.serve("ASIAFIRST", T0 + timedelta(hours=1))
    clock = Clock(T0)
    chain = CredentialChain(environ={}, home=tmp_path, imds_base_url=imds.url, clock=clock)

    # When credentials are asked for twice, 50 minutes apart
    first = chain.get()
    clock.now = T0 + timedelta(minutes=50)
    second = chain.get()

    # Then IMDS was asked once, through a session token, and the cached answer was reused
    assert first == Credentials("ASIAFIRST", SECRET, TOKEN, T0 + timedelta(hours=1))
    assert second is first
    assert imds.requests == [
        ("PUT", "/latest/api/token"),
        ("GET", "/latest/meta-data/iam/security-credentials/"),
        ("GET", f"/latest/meta-data/iam/security-credentials/{ROLE}"),
    ]


def test_imds_credentials_refreshed_within_five_minutes_of_expiry(imds, tmp_path):
    # Given cached instance credentials, and IMDS now holding rotated ones
    imds.serve("ASIAFIRST", T0 + timedelta(hours=1))
    clock = Clock(T0)
    chain = CredentialChain(environ={}, home=tmp_path, imds_base_url=imds.url, clock=clock)
    chain.get()
    imds.serve("ASIASECOND", T0 + timedelta(hours=7))

    # When credentials are asked for 4 minutes before the cached ones expire
    clock.now = T0 + timedelta(minutes=56)
    refreshed = chain.get()

    # Then the rotated ones are fetched (reusing the IMDS session token)
    assert refreshed.access_key == "ASIASECOND"
    assert imds.credential_fetches() == 2
    assert [request for request in imds.requests if request[0] == "PUT"] == [("PUT", "/latest/api/token")]


def test_failed_refresh_keeps_valid_credentials_then_gives_up_at_expiry(imds, tmp_path):
    # Given cached instance credentials and an IMDS that now fails
    imds.serve("ASIAFIRST", T0 + timedelta(hours=1))
    clock = Clock(T0)
    chain = CredentialChain(environ={}, home=tmp_path, imds_base_url=imds.url, clock=clock)
    original = chain.get()
    imds.failing = True

    # When credentials are asked for inside the refresh window, and again a few seconds later
    clock.now = T0 + timedelta(minutes=57)
    kept = chain.get()
    clock.now += timedelta(seconds=10)
    kept_again = chain.get()

    # Then the still-valid ones are kept, and IMDS is not hammered in between
    assert kept is original
    assert kept_again is original
    assert imds.credential_fetches() == 2

    # When the cached ones have expired and IMDS still fails
    clock.now = T0 + timedelta(hours=1, seconds=1)
    with pytest.raises(AwsCredentialsError) as raised:
        chain.get()

    # Then the error says IMDS failed, without any secret
    assert "HTTP 500" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert TOKEN not in str(raised.value)


def test_refresh_retried_after_the_back_off(imds, tmp_path):
    # Given a failed refresh that kept the old credentials
    imds.serve("ASIAFIRST", T0 + timedelta(hours=1))
    clock = Clock(T0)
    chain = CredentialChain(environ={}, home=tmp_path, imds_base_url=imds.url, clock=clock)
    chain.get()
    imds.failing = True
    clock.now = T0 + timedelta(minutes=56)
    chain.get()

    # When IMDS recovers and credentials are asked for after the back-off
    imds.failing = False
    imds.serve("ASIASECOND", T0 + timedelta(hours=7))
    clock.now += timedelta(seconds=31)
    refreshed = chain.get()

    # Then the rotated ones are fetched
    assert refreshed.access_key == "ASIASECOND"


def test_imds_session_token_renewed_after_a_401(imds):
    # Given an IMDS client holding a session token the service has since forgotten
    client = InstanceMetadata(imds.url)
    assert client.get("/latest/meta-data/placement/region") == "eu-central-1"
    imds.tokens.clear()

    # When it reads metadata again
    region = client.get("/latest/meta-data/placement/region")

    # Then it fetched a new token and succeeded
    assert region == "eu-central-1"
    assert [request for request in imds.requests if request[0] == "PUT"] == [("PUT", "/latest/api/token")] * 2


def test_no_instance_role_is_reported(imds, tmp_path):
    # Given an instance without an instance profile
    imds.role = ""

    # When credentials are asked for
    with pytest.raises(AwsCredentialsError, match=r"no IAM role \(instance profile\) is attached"):
        CredentialChain(environ={}, home=tmp_path, imds_base_url=imds.url).get()


def test_imds_endpoint_from_environment(imds, tmp_path):
    # Given the metadata endpoint only in AWS_EC2_METADATA_SERVICE_ENDPOINT
    imds.serve("ASIAENVURL", T0 + timedelta(hours=6))
    environ = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url}

    # When credentials are asked for
    credentials = CredentialChain(environ=environ, home=tmp_path).get()

    # Then they came from that endpoint
    assert credentials.access_key == "ASIAENVURL"


# -- region ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "environ", "expected"),
    [
        ("eu-west-1", {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-west-2"}, "eu-west-1"),
        (None, {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-west-2"}, "us-east-1"),
        ("", {"AWS_DEFAULT_REGION": "us-west-2"}, "us-west-2"),
    ],
    ids=["configured", "AWS_REGION", "AWS_DEFAULT_REGION"],
)
def test_region_order_before_imds(imds, configured, environ, expected):
    # Given a region in the configuration and/or the environment, and IMDS knowing another
    # When the region is resolved
    region = resolve_region(configured, environ, InstanceMetadata(imds.url))

    # Then the first one in order wins and IMDS is not asked
    assert region == expected
    assert imds.requests == []


def test_region_from_imds_last(imds):
    # Given no region configured anywhere but on the instance
    # When the region is resolved
    region = resolve_region(None, {}, InstanceMetadata(imds.url))

    # Then IMDS's placement region is used
    assert region == "eu-central-1"


def test_region_missing_names_what_was_tried():
    # Given no region anywhere and an unreachable metadata service
    environ = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": closed_port_url()}

    # When the region is resolved
    with pytest.raises(AwsConfigError) as raised:
        resolve_region(None, environ)

    # Then every place looked at is named
    message = str(raised.value)
    for tried in ("configuration", "AWS_REGION", "AWS_DEFAULT_REGION", "EC2 instance metadata"):
        assert tried in message


def test_region_with_imds_disabled():
    # When the region is resolved with nothing configured and IMDS disabled
    with pytest.raises(AwsConfigError, match="disabled by AWS_EC2_METADATA_DISABLED=true"):
        resolve_region(None, NO_IMDS)
