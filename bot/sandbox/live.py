"""The page's line to the sandbox: one WebSocket per open page, beside the HTTP server.

Everything a person does travels on it as a request with an id, answered with the same id;
what changes for the person the page follows is pushed the moment it is posted. A browser's
fetch to this machine costs a few milliseconds of its own; a message on an open socket costs
a fraction of one, so the page draws an answer about as fast as the app gives it.

    page -> sandbox   {"id": 7, "route": "command", "body": {"as": "U1", "text": "/talks"}}
    sandbox -> page   {"id": 7, "answer": {...}}  or  {"id": 7, "error": "...", "status": 400}
    sandbox -> page   {"as": "U1", "changes": {...}}   (after a "follow" request, as they come)

A follow's body: {"as": person, "since": n, "notices_since": m, "own_since": k}.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.sandbox.origin import Own
from bot.sandbox.workspace import Workspace

log = logging.getLogger(__name__)

Route = Callable[[str, dict[str, Any]], dict[str, Any]]


class Live:
    """The socket server: requests go to `route(name, body)`; "follow" starts the pushes."""

    def __init__(self, workspace: Workspace, route: Route, host: str, port: int, own: Own):
        self.workspace, self.route, self.own = workspace, route, own
        self.server: Server = serve(
            self._serve,
            host,
            port,
            process_request=self._same_origin,
            compression=None,  # a page on this machine: deflating costs more than it saves
            max_size=256 * 1024,  # a person's request is small
        )
        self.port: int = self.server.socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="sandbox-live", daemon=True
        )

    def start(self) -> Live:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()  # closes every page's socket; each handler stops listening
        self._thread.join(5)

    def _same_origin(self, _conn: ServerConnection, request: Request) -> Response | None:
        """Only the sandbox's own page may drive it (bot/sandbox/origin.py says why): its
        socket is reached at one of this machine's names, from the page at that name."""
        host = request.headers.get("Host")
        if self.own.host(host) and self.own.page(request.headers.get("Origin"), host or ""):
            return None
        body = b"only the sandbox's page may connect\n"
        headers = Headers([("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return Response(403, "Forbidden", headers, body)

    def _serve(self, conn: ServerConnection) -> None:
        page = _Page(conn, self.workspace)
        # every change reaches the page from the thread that made it, the moment it is whole:
        # a request's own changes go out before its answer, with no thread to wake between
        self.workspace.listen(page.catch_up)
        try:
            for raw in conn:
                reply = self._answer(page, raw)
                if reply is not None:
                    page.send(reply)
        except ConnectionClosed:
            pass
        finally:
            self.workspace.unlisten(page.catch_up)

    def _answer(self, page: _Page, raw: str | bytes) -> dict[str, Any] | None:
        """The reply to one request, or None when it has been sent already (a follow)."""
        try:
            request = json.loads(raw)
            ask_id = request["id"]
            name, body = str(request["route"]), request.get("body") or {}
        except (ValueError, TypeError, KeyError):
            return _refused(None, "a JSON object with an id and a route, please", 400)
        if not isinstance(body, dict):
            return _refused(ask_id, "the body is a JSON object, please", 400)
        try:
            if name == "follow":
                page.follow(
                    ask_id,
                    str(body.get("as", "")),
                    _count(body.get("since")),
                    _count(body.get("notices_since")),
                    _count(body.get("own_since")) if "own_since" in body else None,
                )
                return None
            answer = self.route(name, body)
        except KeyError as exc:
            return _refused(ask_id, f"{_reason(exc)} is missing", 400)
        except LookupError as exc:
            return _refused(ask_id, _reason(exc), 404)
        except (ValueError, TypeError) as exc:
            return _refused(ask_id, _reason(exc), 400)
        except Exception:
            log.exception("the sandbox could not do %r", name)
            return _refused(ask_id, "that went wrong in the sandbox; see its log", 500)
        return {"id": ask_id, "answer": answer}


class _Page:
    """One open page: whom it follows, and what it has been sent of their changes."""

    def __init__(self, conn: ServerConnection, workspace: Workspace) -> None:
        self.conn, self.workspace = conn, workspace
        self._lock = threading.Lock()  # one sender at a time, and a consistent follow
        self._person = ""
        self._since = 0

    def send(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.conn.send(json.dumps(message))

    def follow(
        self, ask_id: Any, person: str, since: int, notices_since: int = 0, own: int | None = None
    ) -> None:
        """Answer with what changed for `person` after `since` (notices only those the page
        has not shown: Workspace.changes says which), and from then on send each
        change as it comes. The answer goes out under the same lock that orders the pushes, so
        no later change can reach the page before it (the page drops what is older than what
        it has drawn)."""
        if self.workspace.person(person) is None:
            raise LookupError(f"nobody is called {person!r} here")
        with self._lock:
            changes = self.workspace.changes(person, since, notices_since, own)
            self._person, self._since = person, changes["seq"]
            self.conn.send(json.dumps({"id": ask_id, "answer": changes}))

    def catch_up(self) -> None:
        """Send what changed for the followed person since the last send, if anything did."""
        with self._lock:
            person, since = self._person, self._since
            if not person or self.workspace.seq <= since:
                return
            changes = self.workspace.changes(person, since)
            self._since = changes["seq"]
            if _shows_something(changes):
                # a page that has gone is not told: its handler stops listening
                with contextlib.suppress(ConnectionClosed):
                    self.conn.send(json.dumps({"as": person, "changes": changes}))


def _refused(ask_id: Any, reason: str, status: int) -> dict[str, Any]:
    return {"id": ask_id, "error": reason, "status": status}


def _shows_something(changes: dict[str, Any]) -> bool:
    return bool(
        changes["messages"]
        or changes["notices"]
        or "modals" in changes
        or "home" in changes
        or "now" in changes
    )


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        raise ValueError("since is a count of changes") from None


def _reason(exc: Exception) -> str:
    return str(exc.args[0]) if exc.args else type(exc).__name__
