"""Test helpers that stand in for Slack: a fake Web API server and a signed-request sender.

`FakeSlack` is a real HTTP server on 127.0.0.1 (a thread) that answers the Web API methods
the bot uses like Slack does, accepts posts to `response_url`s, records every call, checks
Block Kit limits as Slack would, keeps the messages the bot posted with their metadata
(chat.update changes them, and fails with message_not_found for any other ts;
conversations.replies reads a thread back), and can be told to fail the next calls: 429
with Retry-After, 500, a connection dropped before the request is handled ("disconnect")
or after it was ("drop": posted, but the answer never arrives), or an API error. With
`channel_interval` it enforces Slack's posting limit: one chat.postMessage per channel per
that many seconds, 429 with Retry-After past it. `SlackSender` posts to the app exactly
what Slack posts: signed event, slash-command and block_actions requests.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import math
import socketserver
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"
BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0000001"
APP_ID = "A0000001"
USER_ID = "U0000001"
CHANNEL_ID = "C0000001"
DM_CHANNEL_ID = "D0000001"

_ts_counter = itertools.count(1)
_id_counter = itertools.count(1)


def new_ts() -> str:
    """A fresh Slack message timestamp ("1700000000.000123")."""
    n = next(_ts_counter)
    return f"{1700000000 + n}.{n:06d}"


def new_event_id() -> str:
    return f"Ev{next(_id_counter):010d}"


def new_trigger_id() -> str:
    """Slack gives every slash command and button click its own trigger id."""
    return f"13345224609.{next(_id_counter):09d}.8088930838d88f008e0"


# --- The fake Web API ----------------------------------------------------------------------


@dataclass
class Call:
    """One request the app made to the fake: where, what, and what the fake answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int

    @property
    def ok(self) -> bool:
        return self.status == 200

    def dump(self) -> str:
        """The whole request body as JSON text (for "never contains" assertions)."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class _Failure:
    how: str  # "429", "500", "disconnect", "drop", or an API error code ("not_in_channel")
    times: int


def _block_problem(blocks: Any, max_blocks: int) -> str | None:
    """What Slack would reject in `blocks` (too many, or a text over its limit), if anything."""
    if not isinstance(blocks, list):
        return "blocks must be a list"
    if len(blocks) > max_blocks:
        return f"{len(blocks)} blocks > {max_blocks}"
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        return "duplicate block_id"
    for block in blocks:
        if block.get("type") == "actions" and len(block.get("elements", [])) > 25:
            return "actions block with more than 25 elements"
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and len(text) > 3000:
            return "section text > 3000"
        if block.get("type") == "header" and len(text) > 150:
            return "header text > 150"
        for element in block.get("elements", []):
            if len(element.get("text", "") if isinstance(element.get("text"), str) else "") > 3000:
                return "context text > 3000"
            if len(element.get("value", "")) > 2000:
                return "button value > 2000"
            if element.get("type") == "button" and len(element["text"]["text"]) > 75:
                return "button text > 75"
    return None


class _BurstyHTTPServer(ThreadingHTTPServer):
    request_queue_size = 128  # the default of 5 resets bursts of concurrent requests


class FakeSlack:
    """A fake Slack Web API on 127.0.0.1 (port chosen by the OS), run in a thread."""

    def __init__(self, channel_interval: float | None = None) -> None:
        self._calls: list[Call] = []
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._lock = threading.Condition()
        # Slack's per-channel limit: seconds between two chat.postMessage in one channel.
        self.channel_interval = channel_interval
        self._last_post: dict[str, float] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.socket_mode_url: str | None = None

    # lifecycle

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

        self._server = _BurstyHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What to set as SLACK_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "command") -> str:
        """A response_url for a slash command or action; posts to it are recorded."""
        return f"http://127.0.0.1:{self.port}/response_url/{name}"

    # control

    def fail_next(self, method: str, times: int = 1, how: str = "429") -> None:
        """Make the next `times` calls to `method` fail: "429" (Retry-After: 1), "500",
        "disconnect" (connection closed, the request not handled), "drop" (handled, e.g.
        the message posted, then the connection closed without a response), or an API
        error code."""
        with self._lock:
            self._failures.setdefault(self._path(method), []).append(_Failure(how, times))

    # inspection

    @staticmethod
    def _path(method: str) -> str:
        """A Web API method name, a path, or a full URL (a response_url) as a path."""
        if method.startswith(("http://", "https://")):
            return urlparse(method).path
        return method if method.startswith("/") else f"/api/{method}"

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, *, include_failed: bool = False) -> list[Call]:
        """Calls to a Web API method ("chat.postMessage") or a path ("/response_url/x");
        a path ending in "/" matches everything under it."""
        path = self._path(method)
        with self._lock:
            return [
                c
                for c in self._calls
                if (c.path == path or (path.endswith("/") and c.path.startswith(path)))
                and (include_failed or c.ok)
            ]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until at least `count` successful calls to `method` were made."""
        deadline = time.monotonic() + timeout
        with self._lock:  # a re-entrant lock: calls_to may take it again
            while len(found := self.calls_to(method)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{c.path} {c.status}" for c in self._calls]
                    raise AssertionError(
                        f"waited {timeout}s for {count} call(s) to {method}, "
                        f"got {len(found)}; all calls: {seen}"
                    )
                self._lock.wait(remaining)
            return found

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """A message the bot posted, as it stands now (after any chat.update)."""
        with self._lock:
            found = self._messages.get((channel, ts))
            return dict(found) if found is not None else None

    def thread_messages(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The bot's messages in a thread, in the order posted, as they stand now."""
        with self._lock:
            return [
                dict(message)
                for (in_channel, _), message in self._messages.items()
                if in_channel == channel and message.get("thread_ts") == thread_ts
            ]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._failures.clear()

    # the server side

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        path = request.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = _parse_body(raw, headers.get("content-type", ""))
        if "?" in request.path:
            body.update({k: v[0] for k, v in parse_qs(request.path.split("?", 1)[1]).items()})

        failure = self._take_failure(path)
        if failure == "disconnect":
            self._record(Call(request.command, path, headers, body, 0))
            request.close_connection = True
            return
        if failure == "429":
            self._record(Call(request.command, path, headers, body, 429))
            _send(request, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
            return
        if failure == "500":
            self._record(Call(request.command, path, headers, body, 500))
            _send(request, 500, {"ok": False, "error": "internal_error"})
            return
        if (wait := self._rate_limited(path, body)) is not None:
            self._record(Call(request.command, path, headers, body, 429))
            _send(request, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": wait})
            return

        if path.startswith("/response_url/"):
            self._record(Call(request.command, path, headers, body, 0 if failure else 200))
            if failure == "drop":
                request.close_connection = True
                return
            _send_text(request, 200, "ok")
            return
        dropped = failure == "drop"
        payload = self._api_answer(path, headers, body, None if dropped else failure)
        # A dropped answer is recorded as status 0: the bot never learns it was accepted.
        self._record(Call(request.command, path, headers, body, 0 if dropped else 200))
        if dropped:
            request.close_connection = True
            return
        _send(request, 200, payload)

    def _rate_limited(self, path: str, body: dict[str, Any]) -> str | None:
        """Retry-After (as Slack sends it) when this post comes too soon after the last one
        in its channel; None when it may go. Sub-second limits (faster tests) answer with
        fractions of a second, which Slack itself never does."""
        if self.channel_interval is None or path != "/api/chat.postMessage":
            return None
        channel = str(body.get("channel"))
        now = time.monotonic()
        with self._lock:
            since = now - self._last_post.get(channel, -1e9)
            if since >= self.channel_interval:
                self._last_post[channel] = now
                return None
        remaining = self.channel_interval - since
        if self.channel_interval >= 1:
            return str(max(1, math.ceil(remaining)))
        return f"{remaining:.3f}"

    def _take_failure(self, path: str) -> str | None:
        with self._lock:
            queue = self._failures.get(path)
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure.how

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()

    def _api_answer(
        self, path: str, headers: dict[str, str], body: dict[str, Any], error: str | None
    ) -> dict[str, Any]:
        method = path.removeprefix("/api/")
        token = headers.get("authorization", "").removeprefix("Bearer ") or body.get("token")
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_mode_url}
        if not token:
            return {"ok": False, "error": "not_authed"}
        if error:
            return {"ok": False, "error": error}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://kz-test.slack.com/",
                "team": "KZ Test",
                "user": "kz-brief",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            if "blocks" in body and (problem := _block_problem(body["blocks"], 50)):
                return {"ok": False, "error": "invalid_blocks", "detail": problem}
            if not body.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if method == "chat.postEphemeral":
                return {"ok": True, "message_ts": new_ts()}
            ts = body["ts"] if method == "chat.update" else new_ts()
            key = (body["channel"], ts)
            message = {"type": "message", "text": body.get("text", ""), "user": BOT_USER_ID}
            message.update({"bot_id": BOT_ID, "ts": ts, "blocks": body.get("blocks", [])})
            if metadata := body.get("metadata"):
                message["metadata"] = (
                    json.loads(metadata) if isinstance(metadata, str) else metadata
                )
            with self._lock:
                if method == "chat.update":
                    if key not in self._messages:
                        return {"ok": False, "error": "message_not_found"}
                    # An update changes the text and blocks; the message stays in its thread.
                    message = {**self._messages[key], **message}
                elif body.get("thread_ts"):
                    message["thread_ts"] = body["thread_ts"]
                self._messages[key] = message
            return {"ok": True, "channel": body["channel"], "ts": ts, "message": message}
        if method == "conversations.replies":
            return self._replies(body)
        if method == "chat.delete":
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
        if method == "views.publish":
            view = body.get("view") or {}
            if problem := _block_problem(view.get("blocks"), 100):
                return {"ok": False, "error": "invalid_arguments", "detail": problem}
            return {"ok": True, "view": {"id": "V0000001", **view}}
        return {"ok": False, "error": "unknown_method"}

    def _replies(self, body: dict[str, Any]) -> dict[str, Any]:
        """The bot's messages in the thread `ts` of `channel`, oldest first, a page at a
        time (the cursor is an offset); metadata only with include_all_metadata."""
        channel, thread_ts = body.get("channel"), body.get("ts")
        with_metadata = str(body.get("include_all_metadata")).lower() in ("1", "true")
        with self._lock:
            found = sorted(
                (
                    dict(message)
                    for (in_channel, ts), message in self._messages.items()
                    if in_channel == channel and thread_ts in (ts, message.get("thread_ts"))
                ),
                key=lambda message: float(message["ts"]),
            )
        if not with_metadata:
            for message in found:
                message.pop("metadata", None)
        start = int(body.get("cursor") or 0)
        limit = int(body.get("limit") or 100)
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    text = raw.decode("utf-8") if raw else ""
    if not text:
        return {}
    if "json" in content_type:
        return json.loads(text)
    body: dict[str, Any] = {k: v[0] for k, v in parse_qs(text).items()}
    for key in ("blocks", "view", "payload"):
        if isinstance(body.get(key), str) and body[key][:1] in "[{":
            body[key] = json.loads(body[key])
    return body


def _send(
    request: BaseHTTPRequestHandler,
    status: int,
    payload: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    data = json.dumps(payload).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json; charset=utf-8")
    request.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(data)


def _send_text(request: BaseHTTPRequestHandler, status: int, text: str) -> None:
    data = text.encode()
    request.send_response(status)
    request.send_header("Content-Type", "text/html")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)


# --- A fake Socket Mode endpoint --------------------------------------------------------------


class FakeSocketMode:
    """A WebSocket endpoint like Slack's Socket Mode (needs the `websockets` package).

    Set `FakeSlack.socket_mode_url = fake.url` so apps.connections.open hands it out; then
    `send_event` pushes an events_api envelope and `wait_for_ack` returns the app's ack.
    """

    def __init__(self) -> None:
        self._connections: list[Any] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._lock = threading.Condition()
        self._server: Any = None

    def start(self) -> FakeSocketMode:
        from websockets.sync.server import serve

        self._server = serve(self._session, "127.0.0.1", 0, compression=None)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/?ticket=test"

    def _session(self, connection: Any) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        with self._lock:
            self._connections.append(connection)
            self._lock.notify_all()
        for message in connection:
            data = json.loads(message)
            with self._lock:
                self._acks[data.get("envelope_id", "")] = data
                self._lock.notify_all()

    def send_event(self, event: dict[str, Any]) -> str:
        """Push an Events API envelope to the connected app; returns its envelope_id."""
        envelope_id = f"env-{next(_id_counter)}"
        with self._lock:
            if not self._lock.wait_for(lambda: self._connections, timeout=10):
                raise AssertionError("the app never connected over Socket Mode")
            connection = self._connections[-1]
        envelope = {
            "envelope_id": envelope_id,
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": json.loads(event_body(event)),
        }
        connection.send(json.dumps(envelope))
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        with self._lock:
            if not self._lock.wait_for(lambda: envelope_id in self._acks, timeout=timeout):
                raise AssertionError(f"no ack for {envelope_id}")
            return self._acks[envelope_id]


# --- Signing and Slack-shaped payloads -----------------------------------------------------


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature headers: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def event_body(event: dict[str, Any], *, event_id: str | None = None) -> str:
    """An Events API `event_callback` envelope around `event`, as JSON text."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or new_event_id(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def mention_event(
    text: str,
    *,
    channel: str = CHANNEL_ID,
    user: str = USER_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An `app_mention` event; `text` should include `<@BOT_USER_ID>` as Slack sends it."""
    ts = ts or new_ts()
    event = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message_event(
    text: str,
    *,
    channel: str = DM_CHANNEL_ID,
    user: str | None = USER_ID,
    ts: str | None = None,
    channel_type: str = "im",
    **extra: Any,
) -> dict[str, Any]:
    """A `message` event (a DM by default); pass subtype=..., bot_id=... for other kinds."""
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": TEAM_ID,
    }
    if user is not None:
        event["user"] = user
    event.update(extra)
    return event


def thread_reply_event(
    text: str,
    *,
    thread_ts: str,
    channel: str = CHANNEL_ID,
    user: str | None = USER_ID,
    ts: str | None = None,
    channel_type: str = "channel",
    **extra: Any,
) -> dict[str, Any]:
    """A reply in a thread, as message.channels (or message.groups / message.im) sends it."""
    return message_event(
        text,
        channel=channel,
        user=user,
        ts=ts,
        channel_type=channel_type,
        thread_ts=thread_ts,
        parent_user_id=USER_ID,
        **extra,
    )


def edit_event(
    *,
    channel: str,
    ts: str,
    old_text: str,
    new_text: str,
    user: str = USER_ID,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    edited_ts: str | None = None,
) -> dict[str, Any]:
    """A `message_changed` event: a person edited their message `ts` in `channel`."""
    edited_ts = edited_ts or new_ts()
    message: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": new_text,
        "ts": ts,
        "edited": {"user": user, "ts": edited_ts},
        "team": TEAM_ID,
    }
    previous: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": old_text,
        "ts": ts,
        "team": TEAM_ID,
    }
    if thread_ts:
        message["thread_ts"] = previous["thread_ts"] = thread_ts
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "channel_type": channel_type,
        "ts": edited_ts,
        "event_ts": edited_ts,
        "message": message,
        "previous_message": previous,
    }


def home_opened_event(user: str = USER_ID, tab: str = "home") -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": DM_CHANNEL_ID,
        "tab": tab,
        "event_ts": new_ts(),
    }


def command_body(
    text: str,
    *,
    response_url: str,
    command: str = "/kz-brief",
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
) -> str:
    """A slash command request body (application/x-www-form-urlencoded)."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "kz-test",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "analyst",
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": new_trigger_id(),
        }
    )


def block_actions_body(
    *,
    action_id: str,
    value: str,
    response_url: str,
    channel: str = CHANNEL_ID,
    user: str = USER_ID,
    block_id: str = "share",
    ephemeral: bool = True,
    message_ts: str | None = None,
) -> str:
    """A button click (on an ephemeral message unless `ephemeral=False`): form field
    `payload` holding the JSON, as Slack posts it."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message_ts or new_ts(),
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": "analyst", "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": container,
        "trigger_id": new_trigger_id(),
        "team": {"id": TEAM_ID, "domain": "kz-test"},
        "channel": {"id": channel, "name": "general"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": "a button"},
                "value": value,
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }
    if not ephemeral:
        payload["message"] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": container["message_ts"],
        }
    return urlencode({"payload": json.dumps(payload)})


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


class SlackSender:
    """Posts signed requests to the app under test, as Slack would."""

    def __init__(self, url: str, secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self.secret = secret

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        signed: bool = True,
    ) -> Response:
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(sign(body, secret or self.secret, timestamp))
        all_headers.update(headers or {})
        request = urllib.request.Request(
            self.url, data=body.encode(), headers=all_headers, method="POST"
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                text = response.read().decode()
                status = response.status
                got = dict(response.headers.items())
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            status = error.code
            got = dict(error.headers.items())
        return Response(status, text, got, time.monotonic() - started)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **options: Any,
    ) -> Response:
        headers = dict(options.pop("headers", {}))
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        body = event_body(event, event_id=event_id)
        return self.post(body, "application/json", headers=headers, **options)

    def command(self, text: str, *, response_url: str, **options: Any) -> Response:
        body = command_body(text, response_url=response_url)
        return self.post(body, "application/x-www-form-urlencoded", **options)

    def action(
        self,
        *,
        value: str,
        response_url: str,
        action_id: str = "share_answer",
        **options: Any,
    ) -> Response:
        """A button click; `options` go to `block_actions_body` (user, block_id, ...)."""
        body = block_actions_body(
            action_id=action_id, value=value, response_url=response_url, **options
        )
        return self.post(body, "application/x-www-form-urlencoded")


# --- Serving the app under test ------------------------------------------------------------


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 resets bursts of concurrent requests


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class ThreadedWSGI:
    """A WSGI app served on 127.0.0.1 in background threads (stdlib wsgiref)."""

    url: str
    stop: Callable[[], None]


def serve_wsgi_in_thread(wsgi_app: Callable[..., Any], path: str = "/slack/events") -> ThreadedWSGI:
    """Serve `wsgi_app` on a free loopback port; gunicorn's arbiter needs the main thread, so
    tests use this thread-capable server for the very same WSGI application."""
    server = _ThreadingWSGIServer(("127.0.0.1", 0), _QuietHandler)
    server.set_app(wsgi_app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return ThreadedWSGI(url=f"http://127.0.0.1:{server.server_address[1]}{path}", stop=stop)


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll `predicate` until it is true or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
