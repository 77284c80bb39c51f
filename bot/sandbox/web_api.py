"""The fake Slack Web API and response URLs: the one the sandbox plays Slack with, and the one
the test suite and the benchmarks run the bot against.

The app's own WebClient (and slack_sdk's WebhookClient for response URLs) talk HTTP to it
exactly as they talk to Slack. Every payload is checked against Block Kit's limits as Slack
checks them (bot/slack/block_kit.py): what Slack would refuse is refused here too, kept in
`invalid`, and in the sandbox shown on the page as refused.

Over a `Workspace` (the sandbox) the methods act on its channels, people and views. Without one
it answers as a plain, well-behaved Slack and keeps every call, for a caller to look at. Either
way it can misbehave on demand, as the real Slack does now and then: an HTTP error (429 with
Retry-After, 5xx), a lost answer, a dropped connection, a stall (`fail`), or a refusal of its
own (`answer`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from bot.sandbox.people import BOT, TEAM, THE_BOT, dm_of
from bot.sandbox.workspace import Workspace
from bot.slack.block_kit import payload_problems

API = "/api/"
RESPONSE = "/response/"


@dataclass(frozen=True)
class Reply:
    """Where a response URL answers: the conversation, the person, and the message clicked."""

    channel: str
    user: str
    ts: str | None = None


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response_url" for posts to a response URL
    params: dict[str, Any]
    path: str
    token: str | None
    answer: dict[str, Any] | None = None  # what was answered (None for a fault)
    ts: str = ""  # a chat.postMessage's message, as conversations.history shows it


@dataclass
class Violation:
    """A payload Slack would have refused: the call and what was wrong with it."""

    call: Call
    problems: list[str]

    def __str__(self) -> str:
        return f"{self.call.method} ({self.call.path}): " + "; ".join(self.problems)


@dataclass
class Fault:
    """How the next calls of a method misbehave (see `WebApi.fail`)."""

    status: int
    retry_after: int | None
    times: int
    delay: float = 0.0
    applied: bool = False
    hold: threading.Event | None = None
    met: threading.Event = field(
        default_factory=threading.Event
    )  # set once a call has met this fault


@dataclass
class Answer:
    """What goes back on the wire; status 0 drops the connection without an answer."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class WebApi:
    """Slack's Web API, played. Over a workspace it is the sandbox's; without one, start it on
    a port of its own with `with WebApi() as slack:` and point clients at `slack.api_url`."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        bot_user_id: str = "UBOT",
        team_id: str = "T0001",
        enterprise_id: str = "",
        check_blocks: bool = True,
    ) -> None:
        self.workspace = workspace
        self.bot_user_id = BOT if workspace else bot_user_id
        self.team_id = TEAM if workspace else team_id
        # set: the workspace belongs to this Enterprise Grid organisation
        self.enterprise_id = enterprise_id
        # refuse invalid Block Kit as Slack does; a benchmark turns it off, since the real
        # Slack does not check payloads on the bot's own CPU
        self.check_blocks = check_blocks
        # every call Slack acted on; the sandbox keeps none (its workspace is the record)
        self.calls: list[Call] = []
        # calls answered with an injected fault (not in `calls`: Slack did nothing with them)
        self.refused: list[Call] = []
        # payloads refused as Slack refuses them (`invalid_blocks`): also not in `calls`
        self.invalid: list[Violation] = []
        # users.info answers without a workspace: fields merged over the default user for an id
        self.users: dict[str, dict[str, Any]] = {}
        # messages people wrote in a channel (channel, ts, text), beside the bot's in its history
        self.said: list[tuple[str, str, str]] = []
        self.base_url = ""  # set once a server knows its port
        self._faults: dict[str, list[Fault]] = {}
        self._answers: dict[str, dict[str, Any]] = {}
        self._replies: dict[str, Reply] = {}
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # ---- a server of its own ---------------------------------------------------------------
    def __enter__(self) -> WebApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the caller's output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                auth = self.headers.get("Authorization", "")
                answer = api.handle(
                    self.path.split("?")[0],
                    raw,
                    self.headers.get("Content-Type", ""),
                    auth.removeprefix("Bearer ") if auth else None,
                )
                if answer.status == 0:
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                self.send_header("Content-Length", str(len(answer.body)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        # a short poll so shutdown() returns at once rather than after half a second (the
        # tests start and stop one of these for each test)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def api_url(self) -> str:
        return self.base_url + API

    def response_url(self, reply: Reply | str = "r1") -> str:
        """A response URL: over a workspace, one that answers in `reply`'s conversation;
        without one, any name (each post to it is a "response_url" call)."""
        if isinstance(reply, str):
            return f"{self.base_url}{RESPONSE}{reply}"
        with self._lock:
            key = f"r{len(self._replies) + 1}"
            self._replies[key] = reply
        return f"{self.base_url}{RESPONSE}{key}"

    # ---- misbehaving on demand -------------------------------------------------------------
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
    ) -> Fault:
        """Answer the next `times` calls of `method` with an HTTP error (429, 500, ...).

        status=0 closes the connection without an answer: the caller sees a network error.
        status=200 answers as usual, only late (with `delay` or `hold`): a stall.
        applied=True: Slack did what was asked (the call is in `calls`) but the answer was lost.
        hold: the answer waits until the caller sets this event (a Slack that stalls).
        The fault's `met` is set once a call has met it: the caller is inside the stall.
        """
        with self._lock:
            fault = Fault(status, retry_after, times, delay, applied, hold)
            self._faults.setdefault(method, []).append(fault)
        return fault

    def answer(self, method: str, body: dict[str, Any] | None) -> None:
        """Answer every call of `method` with this body (HTTP 200), or as usual again with None:
        for Slack's own refusals, such as {"ok": false, "error": "invalid_auth"}."""
        with self._lock:
            if body is None:
                self._answers.pop(method, None)
            else:
                self._answers[method] = body

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.refused.clear()
            self.invalid.clear()

    # ---- looking at what was called --------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def calls_to_all(self) -> list[Call]:
        """A copy of every call so far, safe to read while more arrive."""
        with self._lock:
            return list(self.calls)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Calls to `method` once there are at least `count` (work after ack is async)."""
        with self._lock:
            self._lock.wait_for(
                lambda: len([c for c in self.calls if c.method == method]) >= count, timeout
            )
            return [c for c in self.calls if c.method == method]

    def wait_until(self, found: Callable[[list[Call]], Any], timeout: float = 5.0) -> Any:
        """What `found` returns for the calls so far, once it returns something true (checked
        as each call arrives); its last answer when `timeout` runs out first."""
        with self._lock:
            return self._lock.wait_for(lambda: found(list(self.calls)), timeout)

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

    def say(self, channel: str, text: str) -> str:
        """A person writes in `channel` (not the bot): its history shows it; returns its ts."""
        ts = self._next_ts()
        with self._lock:
            self.said.append((channel, ts, text))
        return ts

    # ---- serving ---------------------------------------------------------------------------
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """The same, as a WSGI application (the sandbox serves it beside its page)."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length).decode("utf-8") if length else ""
        auth = str(environ.get("HTTP_AUTHORIZATION", ""))
        answer = self.handle(
            environ.get("PATH_INFO", ""),
            raw,
            environ.get("CONTENT_TYPE", ""),
            auth.removeprefix("Bearer ") if auth else None,
        )
        # a dropped connection cannot be played through WSGI: the nearest is a bare 502
        status = answer.status or 502
        start_response(f"{status} {_REASONS.get(status, 'Error')}", list(answer.headers.items()))
        return [answer.body]

    def handle(self, path: str, raw: str, content_type: str, token: str | None) -> Answer:
        """One HTTP request to the Web API (`/api/<method>`) or a response URL."""
        if content_type.startswith("application/json"):
            params = json.loads(raw or "{}")
        else:
            params = dict(parse_qsl(raw))
        for key in ("blocks", "attachments", "view", "metadata"):
            if isinstance(params.get(key), str):
                # left as it came if it is not JSON: the checks say what is wrong with it
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        method = "response_url" if path.startswith(RESPONSE) else path.removeprefix(API)
        call = Call(method, params, path, params.get("token") if token is None else token)
        if method == "chat.postMessage" and self.workspace is None:
            call.ts = self._next_ts()

        with self._lock:
            faults = self._faults.get(method) or []
            fault = faults[0] if faults else None
            if fault:
                fault.times -= 1
                if fault.times <= 0:
                    faults.pop(0)
        if fault and fault.status == 200:
            fault.met.set()
            self._stall(fault)
            fault = None  # then answered as usual
        if fault:
            fault.met.set()
            if fault.applied:  # done, as Slack did it; only the answer is lost
                call.answer = self._answer(call)
            with self._lock:
                (self.calls if fault.applied else self.refused).append(call)
                self._lock.notify_all()
            return self._misbehave(fault)

        problems = payload_problems(method, params) if self.check_blocks else []
        if problems:
            call.answer = {"ok": False, "error": "invalid_blocks", "errors": problems}
            with self._lock:
                self.invalid.append(Violation(call, problems))
                self._lock.notify_all()
            if self.workspace is not None:
                self.workspace.notice(
                    f"Slack would refuse this {method} (invalid_blocks): " + "; ".join(problems),
                    _whose(params, self._replies.get(path.removeprefix(RESPONSE))),
                )
                if method == "response_url":
                    return _json(call.answer, 400)
            return _json(call.answer)

        # answered outside the lock: the workspace has its own, and history() takes this one
        call.answer = self._answer(call)
        with self._lock:
            if self.workspace is None:
                self.calls.append(call)
            self._lock.notify_all()
        if method == "response_url" and self.workspace is not None:
            if call.answer.get("ok"):
                return Answer(200, b"ok")
            return _json(call.answer, 404)
        return _json(call.answer)

    @staticmethod
    def _stall(fault: Fault) -> None:
        if fault.delay:
            time.sleep(fault.delay)  # Slack being slow: the caller's time, never a test's wait
        if fault.hold is not None:
            fault.hold.wait()

    def _misbehave(self, fault: Fault) -> Answer:
        self._stall(fault)
        if fault.status == 0:
            return Answer(0, b"")
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        error = "ratelimited" if fault.status == 429 else "internal_error"
        return _json({"ok": False, "error": error}, fault.status, headers)

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _answer(self, call: Call) -> dict[str, Any]:
        if call.method in self._answers:
            return dict(self._answers[call.method])
        if self.workspace is not None:
            return self._played(call)
        return self._plain(call.method, call.params, call.ts)

    # ---- without a workspace: a plain, well-behaved Slack ----------------------------------
    def _plain(self, method: str, params: dict[str, Any], posted: str) -> dict[str, Any]:
        ts = posted or self._next_ts()
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

    # ---- over a workspace: the sandbox -----------------------------------------------------
    def _played(self, call: Call) -> dict[str, Any]:
        if call.method == "response_url":
            return self._respond(call.path.removeprefix(RESPONSE), call.params)
        handler = getattr(self, "m_" + call.method.replace(".", "_"), None)
        if handler is None:
            self._space.notice(f"The sandbox does not play the Web API method {call.method}.")
            return {"ok": False, "error": "unknown_method"}
        answer: dict[str, Any] = handler(call.params)
        return answer

    @property
    def _space(self) -> Workspace:
        if self.workspace is None:  # only the played methods reach here, and only over one
            raise LookupError("no workspace to play the method over")
        return self.workspace

    def _channel(self, channel: str) -> str:
        """A user id as a channel means the DM with them, as in Slack."""
        return dm_of(channel) if channel.startswith(("U", "W")) else channel

    def m_auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "http://sandbox.invalid/",
            "team": "Sandbox",
            "user": THE_BOT.name,
            "team_id": TEAM,
            "user_id": BOT,
            "bot_id": "BWGBOT",
            "is_enterprise_install": False,
        }

    def m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        person = self._space.person(str(params.get("user", "")))
        if person is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": person.user()}

    def m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("users", "")).split(",")[0]
        return {"ok": True, "channel": {"id": dm_of(user)}}

    def m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        m = self._space.post(
            channel,
            BOT,
            params.get("text") or "",
            params.get("blocks"),
            thread_ts=str(params.get("thread_ts") or "") or None,
            broadcast=_truthy(params.get("reply_broadcast")),
        )
        message = {"ts": m.ts, **({"thread_ts": m.thread_ts} if m.thread_ts else {})}
        return {"ok": True, "channel": channel, "ts": m.ts, "message": message}

    def m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        user = str(params.get("user", ""))
        m = self._space.post(
            channel,
            BOT,
            params.get("text") or "",
            params.get("blocks"),
            user,
            thread_ts=str(params.get("thread_ts") or "") or None,
        )
        return {"ok": True, "message_ts": m.ts}

    def m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        ts = str(params.get("ts", ""))
        found = self._space.find(channel, ts)
        if found is None or found.visible_to is not None:  # chat.update cannot reach ephemerals
            return {"ok": False, "error": "message_not_found"}
        self._space.update(channel, ts, params.get("text") or "", params.get("blocks"))
        return {"ok": True, "channel": channel, "ts": ts}

    def m_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        if not self._space.delete(channel, str(params.get("ts", ""))):
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True}

    def m_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), str(params.get("message_ts", ""))
        return {"ok": True, "permalink": f"{self.base_url}/#{channel}/{ts}"}

    def m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open(params, push=False)

    def m_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open(params, push=True)

    def _open(self, params: dict[str, Any], *, push: bool) -> dict[str, Any]:
        user = self._space.triggers.pop(str(params.get("trigger_id", "")), None)
        if user is None:  # Slack's triggers are single-use and expire after 3 seconds
            return {"ok": False, "error": "invalid_trigger_id"}
        made = self._space.open_modal(user, params["view"], push=push)
        return {"ok": True, "view": {**made.view, "id": made.id, "hash": made.hash}}

    def m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = str(params.get("view_id") or "")
        if not view_id and params.get("external_id"):
            found = self._space.view_by_external_id(str(params["external_id"]))
            view_id = found.id if found else ""
        current = self._space.view(view_id)
        if current is None:
            return {"ok": False, "error": "not_found"}
        if params.get("hash") and params["hash"] != current.hash:
            return {"ok": False, "error": "hash_conflict"}
        made = self._space.update_view(view_id, params["view"])
        if made is None:  # gone between the look-up and the update
            return {"ok": False, "error": "not_found"}
        return {"ok": True, "view": {**made.view, "id": made.id, "hash": made.hash}}

    def m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        made = self._space.publish_home(str(params.get("user_id", "")), params["view"])
        return {"ok": True, "view": {**made.view, "id": made.id, "hash": made.hash}}

    def _respond(self, key: str, params: dict[str, Any]) -> dict[str, Any]:
        """A post to a response URL: replace or delete the message clicked, or a new message,
        private unless `response_type` is in_channel."""
        with self._lock:
            reply = self._replies.get(key)
        if reply is None:
            return {"ok": False, "error": "expired_url"}
        if params.get("delete_original") and reply.ts:
            self._space.delete(reply.channel, reply.ts)
            return {"ok": True}
        text, blocks = params.get("text") or "", params.get("blocks")
        public = params.get("response_type") == "in_channel"
        replace = _truthy(params.get("replace_original")) and reply.ts and not public
        if replace and self._space.update(reply.channel, reply.ts or "", text, blocks):
            return {"ok": True}
        self._space.post(reply.channel, BOT, text, blocks, None if public else reply.user)
        return {"ok": True}


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}


def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    kind = {"Content-Type": "application/json; charset=utf-8"}
    return Answer(status, json.dumps(body).encode(), {**kind, **(headers or {})})


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def _whose(params: dict[str, Any], reply: Reply | None) -> str | None:
    if reply is not None:
        return reply.user
    user = params.get("user") or params.get("user_id")
    return str(user) if user else None
