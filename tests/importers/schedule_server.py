"""A published schedule on 127.0.0.1, as a conference's site serves it, that a test can change:
an ETag per content (answered 304 when it matches), failures on demand, an oversized body,
redirects (a loop, and one to a plain-http site elsewhere). Every request is recorded."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SCHEDULE = "/schedule.ics"
OVERSIZED = "/huge.ics"  # more than the import limit, streamed with no Content-Length
DECLARED = "/declared.ics"  # says it is more than the limit before sending anything
LOOP = "/loop"  # redirects to itself
AWAY = "/away"  # redirects to a plain http:// address elsewhere
HOP = "/hop"  # one redirect to the schedule


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class ScheduleServer:
    body: bytes = b""
    etags: bool = True  # send an ETag (and honour If-None-Match)
    failing: int = 0  # answer 500 to this status's requests while set (0: healthy)
    reason: str = "Server Error"
    oversize: int = 0  # bytes OVERSIZED streams
    requests: list[Seen] = field(default_factory=list)

    def __enter__(self) -> ScheduleServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(Seen(self.path, dict(self.headers.items())))
                server.answer(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str = SCHEDULE) -> str:
        return self.base + path

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def gets(self, path: str = SCHEDULE) -> list[Seen]:
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def answer(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path.split("?")[0]
        if self.failing:
            self._send(req, self.failing, b"down", reason=self.reason)
        elif path == LOOP:
            self._redirect(req, LOOP)
        elif path == AWAY:
            self._redirect(req, "http://schedule.example.org/schedule.ics")
        elif path == HOP:
            self._redirect(req, SCHEDULE)
        elif path == OVERSIZED:
            req.send_response(200)
            req.send_header("Connection", "close")
            req.end_headers()
            chunk = b"x" * 65536
            sent = 0
            try:
                while sent < self.oversize:
                    req.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the client stopped reading, as it should
        elif path == DECLARED:
            req.send_response(200)
            req.send_header("Content-Length", str(self.oversize))
            req.send_header("Connection", "close")
            req.end_headers()
        elif path == SCHEDULE:
            if self.etags and req.headers.get("If-None-Match") == self.etag:
                req.send_response(304)
                req.send_header("ETag", self.etag)
                req.end_headers()
                return
            self._send(req, 200, self.body)
        else:
            self._send(req, 404, b"no such page")

    def _send(
        self, req: BaseHTTPRequestHandler, status: int, body: bytes, reason: str = ""
    ) -> None:
        req.send_response(status, reason or None)
        if self.etags and status == 200:
            req.send_header("ETag", self.etag)
        req.send_header("Content-Type", "text/calendar")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    @staticmethod
    def _redirect(req: BaseHTTPRequestHandler, to: str) -> None:
        req.send_response(302)
        req.send_header("Location", to)
        req.send_header("Content-Length", "0")
        req.end_headers()
