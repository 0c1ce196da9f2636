"""AWS Signature Version 4, as pure functions.

Follows the published algorithm and, where the spec leaves room, botocore's `SigV4Auth` (the
reference the tests compare against):

* the canonical URI is the path with dot segments and empty segments removed, percent-encoded
  once more (safe characters `/` and `~`), which is the "encode twice" rule for non-S3 services;
* the canonical query string is every `key=value` pair, URI-encoded with `-_.~` safe, sorted;
* every header given is signed except the hop-by-hop and tracing ones botocore leaves out
  (`User-Agent`, `Connection`, ...), plus `host` (derived from the URL: lowercase, default port
  dropped) and `x-amz-date`, and `x-amz-security-token` when the credentials carry a session token;
* the payload hash is the hex SHA-256 of the body. Like botocore for SSM and DynamoDB, no
  `X-Amz-Content-Sha256` header is sent.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

from bluegreen.gateway.aws.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"

# Headers botocore never signs: hop-by-hop, proxies, tracing, and the user agent.
UNSIGNED_HEADERS = frozenset(
    {
        "authorization",
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def sign_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
    now: datetime,
) -> dict[str, str]:
    """Return the headers to send: `headers`, plus `Host`, `X-Amz-Date`, `X-Amz-Security-Token`
    (only with a session token) and `Authorization`.

    `now` may be naive (taken as UTC) or aware (converted to UTC). Headers given as `Host`,
    `X-Amz-Date`, `X-Amz-Security-Token` or `Authorization` (any case) are replaced.
    """
    timestamp = _timestamp(now)
    replaced = {"host", "x-amz-date", "x-amz-security-token", "authorization"}
    out = {name: value for name, value in headers.items() if name.lower() not in replaced}
    out["Host"] = host_header(url)
    out["X-Amz-Date"] = timestamp
    if credentials.token:
        out["X-Amz-Security-Token"] = credentials.token
    canonical, signed_headers = canonical_request(method=method, url=url, headers=out, body=body)
    scope = credential_scope(timestamp[:8], region, service)
    to_sign = string_to_sign(timestamp, scope, canonical)
    key = signing_key(credentials.secret_key, timestamp[:8], region, service)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out["Authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return out


def canonical_request(*, method: str, url: str, headers: Mapping[str, str], body: bytes) -> tuple[str, str]:
    """Return (canonical request, signed header list) for `headers` as they will be sent."""
    parts = urlsplit(url)
    signed: dict[str, list[str]] = {}
    for name, value in headers.items():
        lname = name.strip().lower()
        if lname in UNSIGNED_HEADERS:
            continue
        signed.setdefault(lname, []).append(" ".join(value.split()))
    if "host" not in signed:
        signed["host"] = [host_header(url)]
    names = sorted(signed)
    canonical_headers = "".join(f"{name}:{','.join(signed[name])}\n" for name in names)
    signed_headers = ";".join(names)
    lines = [
        method.upper(),
        canonical_uri(parts.path),
        canonical_query(parts.query),
        canonical_headers,
        signed_headers,
        hashlib.sha256(body).hexdigest(),
    ]
    return "\n".join(lines), signed_headers


def canonical_uri(path: str) -> str:
    """Normalise the path (RFC 3986 dot segments, no empty segments) and percent-encode it."""
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if not segment or segment == ".":
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    normalised = "/" + "/".join(segments)
    if path.endswith("/") and segments:
        normalised += "/"
    return quote(normalised, safe="/~")


def canonical_query(query: str) -> str:
    """Sort the query's pairs after URI-encoding each key and value (unreserved characters kept)."""
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        pairs.append((_uri_encode(unquote(key)), _uri_encode(unquote(value))))
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def credential_scope(date: str, region: str, service: str) -> str:
    return f"{date}/{region}/{service}/aws4_request"


def string_to_sign(timestamp: str, scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret_key}".encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def host_header(url: str) -> str:
    """The Host value for `url`: lowercase host, port only when it is not the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _timestamp(now: datetime) -> str:
    if now.tzinfo is not None:
        now = now.astimezone(UTC)
    return now.strftime(TIMESTAMP_FORMAT)


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _uri_encode(value: str) -> str:
    return quote(value, safe="-_.~")
