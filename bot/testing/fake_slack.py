"""A fake Slack Web API on 127.0.0.1 that records every call and can misbehave on demand."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from bot.slack.block_kit import message_problems, message_text_problems, view_problems

# the calls that carry a message (its text and blocks)
MESSAGES = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response_url" for posts to a response URL
    params: dict[str, Any]
    path: str
    token: str | None
    answer: dict[str, Any] | None = None  # what the fake answered (None for a fault)
    ts: str = ""  # a chat.postMessage's message, as conversations.history shows it


@dataclass
class Violation:
    """A payload Slack would have refused: the call and what was wrong with it."""

    call: Call
    problems: list[str]

    def __str__(self) -> str:
        return f"{self.call.method} ({self.call.path}): " + "; ".join(self.problems)


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    times: int
    delay: float = 0.0
    applied: bool = False
    hold: threading.Event | None = None


@dataclass
class FakeSlack:
    """Start with `with FakeSlack() as slack:`; point clients at `slack.api_url`."""

    bot_user_id: str = "UBOT"
    team_id: str = "T0001"
    enterprise_id: str = ""  # set: the workspace belongs to this Enterprise Grid organisation
    calls: list[Call] = field(default_factory=list)
    # calls answered with an injected fault (not in `calls`: Slack did nothing with them)
    refused: list[Call] = field(default_factory=list)
    # payloads refused as Slack refuses them (`invalid_blocks`): also not in `calls`
    invalid: list[Violation] = field(default_factory=list)
    # users.info answers: fields merged over the default user for that id
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # refuse invalid Block Kit as Slack does; a benchmark turns it off, since the real Slack
    # does not check payloads on the bot's own CPU
    check_blocks: bool = True
    # messages people wrote in a channel (channel, ts, text), beside the bot's in its history
    said: list[tuple[str, str, str]] = field(default_factory=list)
    _faults: dict[str, list[_Fault]] = field(default_factory=dict)
    _answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    # ---- control -------------------------------------------------------------------------
    def __enter__(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                fake._handle(self)

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # a short poll so shutdown() returns at once rather than after half a second
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    def fail(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int | None = None,
        times: int = 1,
        delay: float = 0.0,
        applied: bool = False,
        hold: threading.Event | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with an HTTP error (429, 500, ...).

        status=0 closes the connection without an answer: the caller sees a network error.
        applied=True: Slack did what was asked (the call is in `calls`) but the answer was lost.
        hold: the answer waits until the test sets this event (a Slack that stalls).
        """
        fault = _Fault(status, retry_after, times, delay, applied, hold)
        self._faults.setdefault(method, []).append(fault)

    def answer(self, method: str, body: dict[str, Any] | None) -> None:
        """Answer every call of `method` with this body (HTTP 200), or as usual again with None:
        for Slack's own refusals, such as {"ok": false, "error": "invalid_auth"}."""
        if body is None:
            self._answers.pop(method, None)
        else:
            self._answers[method] = body

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.refused.clear()
            self.invalid.clear()

    # ---- inspection ----------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def calls_to_all(self) -> list[Call]:
        """A copy of every call so far, safe to read while more arrive."""
        with self._lock:
            return list(self.calls)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Calls to `method` once there are at least `count` (work after ack is async)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([c for c in self.calls if c.method == method]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            return [c for c in self.calls if c.method == method]

    def wait_until(self, found: Callable[[list[Call]], Any], timeout: float = 5.0) -> Any:
        """What `found` returns for the calls so far, once it returns something true (checked
        as each call arrives); its last answer when `timeout` runs out first."""
        with self._lock:
            return self._lock.wait_for(lambda: found(list(self.calls)), timeout)

    # ---- serving -------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length).decode("utf-8") if length else ""
        if req.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(raw or "{}")
        else:
            params = dict(parse_qsl(raw))
        path = req.path.split("?")[0]
        method = "response_url" if path.startswith("/response/") else path.removeprefix("/api/")
        auth = req.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else params.get("token")
        for key in ("blocks", "attachments", "view", "metadata"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])

        call = Call(method, params, path, token)
        if method == "chat.postMessage":
            call.ts = self._next_ts()
        with self._lock:
            faults = self._faults.get(method) or []
            fault = faults[0] if faults else None
            if fault:
                fault.times -= 1
                if fault.times <= 0:
                    faults.pop(0)
                (self.calls if fault.applied else self.refused).append(call)
                self._lock.notify_all()
        if fault:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.hold is not None:
                fault.hold.wait()
            if fault.status == 0:
                req.close_connection = True
                return
            headers = (
                {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            )
            body = {
                "ok": False,
                "error": "ratelimited" if fault.status == 429 else "internal_error",
            }
            self._send(req, fault.status, body, headers)
            return

        problems = self.problems(method, params) if self.check_blocks else []
        if problems:
            call.answer = {"ok": False, "error": "invalid_blocks", "errors": problems}
            with self._lock:
                self.invalid.append(Violation(call, problems))
                self._lock.notify_all()
            self._send(req, 200, call.answer)
            return

        call.answer = self._answer(method, params, call.ts)
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()
        self._send(req, 200, call.answer)

    @staticmethod
    def problems(method: str, params: dict[str, Any]) -> list[str]:
        """Block Kit's limits, as Slack applies them to what it is sent (a Socket Mode ack
        answering a command is checked as a "response_url" post)."""
        problems: list[str] = []
        if "view" in params:
            problems += view_problems(params["view"])
        if "blocks" in params:
            problems += message_problems(params["blocks"])
        if method in MESSAGES:
            problems += message_text_problems(params.get("text"))
        return problems

    def say(self, channel: str, text: str) -> str:
        """A person writes in `channel` (not the bot): its history shows it; returns its ts."""
        ts = self._next_ts()
        with self._lock:
            self.said.append((channel, ts, text))
        return ts

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def history(self, channel: str, thread: str = "") -> list[dict[str, Any]]:
        """The bot's messages in a channel (or one thread), newest first, as
        conversations.history and conversations.replies answer them (metadata included)."""
        with self._lock:
            posts = [
                c
                for c in self.calls
                if c.method == "chat.postMessage"
                and c.params.get("channel") == channel
                and (
                    c.ts == thread or c.params.get("thread_ts") == thread
                    if thread
                    else not c.params.get("thread_ts")
                )
            ]
        messages = []
        for c in reversed(posts):
            message: dict[str, Any] = {
                "type": "message",
                "user": self.bot_user_id,
                "bot_id": "BBOT",
                "ts": c.ts,
                "text": c.params.get("text") or "",
            }
            if c.params.get("metadata"):
                message["metadata"] = c.params["metadata"]
            messages.append(message)
        if not thread:
            with self._lock:
                theirs = [(ts, text) for where, ts, text in self.said if where == channel]
            messages += [{"type": "message", "user": "UPERSON", "ts": ts, "text": text}
                         for ts, text in theirs]  # fmt: skip
        # newest first, as Slack answers (ts: seconds, then the order they were made)
        messages.sort(key=lambda m: tuple(int(p) for p in m["ts"].split(".")), reverse=True)
        return messages

    def _answer(self, method: str, params: dict[str, Any], posted: str = "") -> dict[str, Any]:
        ts = posted or self._next_ts()
        if method in self._answers:
            return dict(self._answers[method])
        if method in ("conversations.history", "conversations.replies"):
            channel = str(params.get("channel") or "")
            thread = str(params.get("ts") or "") if method == "conversations.replies" else ""
            limit = int(params.get("limit") or 100)
            messages = self.history(channel, thread)
            if params.get("oldest"):  # Slack's own: only messages after that time
                messages = [m for m in messages if float(m["ts"]) > float(params["oldest"])]
            start = int(params.get("cursor") or 0)  # a page's cursor: where it starts
            page, rest = messages[start : start + limit], messages[start + limit :]
            answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": bool(rest)}
            if rest:
                answer["response_metadata"] = {"next_cursor": str(start + limit)}
            return answer
        if method == "auth.test":
            answer = {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "wgbot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": "BBOT",
                "is_enterprise_install": False,
            }
            if self.enterprise_id:
                answer["enterprise_id"] = self.enterprise_id
            return answer
        if method == "conversations.open":
            user = str(params.get("users", "U0")).split(",")[0]
            return {"ok": True, "channel": {"id": "D" + user.lstrip("UW")}}
        if method in ("chat.postMessage", "chat.update"):
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": params.get("ts") or ts,
                "message": {"text": params.get("text"), "blocks": params.get("blocks")},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "users.info":
            user = params.get("user", "U0")
            answer = {
                "id": user,
                "team_id": self.team_id,
                "name": user.lower(),
                "is_bot": False,
                "deleted": False,
                "real_name": f"User {user}",
                "profile": {"display_name": f"User {user}"},
            }
            return {"ok": True, "user": {**answer, **self.users.get(user, {})}}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": "V" + ts.replace(".", "")}}
        return {"ok": True}

    @staticmethod
    def _send(
        req: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            req.send_header(key, value)
        req.end_headers()
        req.wfile.write(data)
