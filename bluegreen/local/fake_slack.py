"""A fake Slack Web API on 127.0.0.1, over real HTTP: slack-sdk's WebClient talks to it unchanged.

It records every call (method, arguments, headers) so tests can assert what reached "Slack" — for
example that no task token ever did — and it also serves as the interactions' response_url.

Like Slack, it refuses messages whose blocks break Block Kit's limits (`invalid_blocks`: more than
50 blocks, a section or context text over 3,000 characters, a header over 150), answers users.info
from `users` (`user_not_found` otherwise), and can fail any method (`fail`, with `fail_error`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bluegreen.local.loopback import LoopbackService


@dataclass
class SlackCall:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    raw: str


@dataclass
class FakeSlackState:
    calls: list[SlackCall] = field(default_factory=list)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    """user id -> Slack's user object (`profile.email`, `is_email_confirmed`, `deleted`, `is_bot`)."""
    fail: set[str] = field(default_factory=set)
    fail_error: str = "fatal_error"
    tokens: set[str] = field(default_factory=set)
    """Bot tokens Slack accepts; empty: any (a call with another one answers invalid_auth)."""
    scopes: list[str] = field(
        default_factory=lambda: [
            "chat:write",
            "usergroups:read",
            "channels:read",
            "users:read",
            "users:read.email",
        ]
    )
    """The token's scopes, sent in the `x-oauth-scopes` header of every answer, as Slack does."""
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    """conversations.info: channel id -> the channel object (unknown ids: channel_not_found)."""
    _ts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_user(self, user_id: str, email: str | None, **fields: Any) -> None:
        profile = {"email": email} if email else {}
        self.users[user_id] = {"id": user_id, "profile": profile, "is_email_confirmed": True, **fields}

    def next_ts(self) -> str:
        with self.lock:
            self._ts += 1
            return f"1700000000.{self._ts:06d}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        content_type = self.headers.get("content-type") or ""
        if "json" in content_type:
            args: dict[str, Any] = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
        method = self.path.removeprefix("/api/") if self.path.startswith("/api/") else self.path
        state = self.server.state
        with state.lock:
            state.calls.append(SlackCall(method, args, dict(self.headers.items()), raw))
        if self.path.startswith("/respond/"):
            self._send(200, "ok", "text/plain")
            return
        if method in state.fail:
            self._send(200, json.dumps({"ok": False, "error": state.fail_error}))
            return
        problem = block_kit_problem(args.get("blocks"))
        if problem is not None:
            self._send(200, json.dumps({"ok": False, "error": "invalid_blocks", "errors": [problem]}))
            return
        token = str(self.headers.get("authorization") or "").removeprefix("Bearer ")
        if state.tokens and token not in state.tokens:
            self._send(200, json.dumps({"ok": False, "error": "invalid_auth"}))
            return
        body: dict[str, Any] = {"ok": True}
        if method == "users.info":
            user = state.users.get(str(args.get("user")))
            body = {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        elif method == "chat.postMessage":
            body.update({"channel": args.get("channel"), "ts": state.next_ts()})
        elif method == "chat.update":
            body.update({"channel": args.get("channel"), "ts": args.get("ts")})
        elif method == "usergroups.users.list":
            body["users"] = state.usergroups.get(str(args.get("usergroup")), [])
        elif method == "auth.test":
            body.update(
                {"team": "myapp", "team_id": "T0MYAPP", "user": "bluegreen", "user_id": "U0BLUEGREEN"}
            )
        elif method == "conversations.info":
            channel = state.channels.get(str(args.get("channel")))
            if channel is None:
                body = {"ok": False, "error": "channel_not_found"}
            else:
                body["channel"] = {"id": args.get("channel"), **channel}
        self._send(200, json.dumps(body))

    def _send(self, status: int, body: str, content_type: str = "application/json") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.send_header("x-oauth-scopes", ",".join(self.server.state.scopes))
        self.end_headers()
        self.wfile.write(data)


SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150
MAX_BLOCKS = 50


def block_kit_problem(blocks: Any) -> str | None:
    """What Slack would refuse in these blocks (the limits that matter here), or None."""
    if blocks is None:
        return None
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        return f"no more than {MAX_BLOCKS} blocks"
    for index, block in enumerate(blocks):
        texts = []
        if block.get("type") in ("section", "header") and isinstance(block.get("text"), dict):
            texts.append(block["text"])
        if block.get("type") == "context":
            texts += [e for e in block.get("elements", []) if isinstance(e, dict) and "text" in e]
        limit = HEADER_TEXT_LIMIT if block.get("type") == "header" else SECTION_TEXT_LIMIT
        for text in texts:
            if len(str(text.get("text", ""))) > limit:
                return f"must be less than {limit + 1} characters [json-pointer:/blocks/{index}/text]"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: FakeSlackState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class FakeSlack(LoopbackService):
    """Context manager: `api_url` for WebClient(base_url=...), `response_url()` for interactions."""

    def __init__(self) -> None:
        self.state = FakeSlackState()
        self._serve(_Server(self.state), name="fake-slack")

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/respond/{name}"

    @property
    def calls(self) -> list[SlackCall]:
        with self.state.lock:
            return list(self.state.calls)

    def of(self, method: str) -> list[SlackCall]:
        return [c for c in self.calls if c.method == method]

    def responses(self) -> list[str]:
        """Texts of the ephemeral answers sent to response_urls."""
        return [str(json.loads(c.raw).get("text")) for c in self.calls if c.method.startswith("/respond/")]
