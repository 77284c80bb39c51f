"""HTTP mode: Bolt's WSGI adapter beside health, readiness and metrics, served by the
standard library's WSGI server with a thread per connection.

A thread per connection means no request waits for another to finish: /healthz answers at
once however many requests wait on the database. The stop is the library's own: `shutdown()`
stops accepting, `server_close()` waits for the requests in flight; then the bot's own work
after acks (vote notes, redraws, lazy listeners) and the clock are stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import TCPServer, ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import metrics
from bot.coffee import feed
from bot.store import Store
from bot.web.guard import guard
from bot.web.health import readiness

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Requests worked on at once; one more is answered 503 at once rather than queued (/healthz is
# never counted). Well above what the database pool serves at once, so a burst waits on the
# pool's own bounded wait, and well below what would exhaust memory or threads.
MOST_AT_ONCE = 64
# seconds a client may take to send its request: one that stops sending frees its thread
CLIENT_TIMEOUT = 10


def wsgi_app(
    app: App,
    store: Store,
    signing_secret: str,
    *,
    stopping: Callable[[], bool] = lambda: False,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> Callable[..., Iterable[bytes]]:
    # nothing reads a body before its signature is checked and its size capped
    slack = guard(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        if path == "/healthz":
            return _plain(start_response, "200 OK", "ok\n")
        if path == "/readyz":
            ready, why = readiness(store, stopping())
            return _plain(
                start_response, "200 OK" if ready else "503 Service Unavailable", why + "\n"
            )
        if path == "/metrics":
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4")])
            return [metrics.exposition()]
        if path.startswith("/coffee/"):
            return _calendar(start_response, environ, store, clock())
        return slack(environ, start_response)

    return application


def _calendar(
    start_response: Callable[..., Any], environ: dict[str, Any], store: Store, now: dt.datetime
) -> list[bytes]:
    """A channel's lean-coffee feed: public and read-only, so GET (and HEAD) only."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return _plain(start_response, "405 Method Not Allowed", "GET only\n")
    match = feed.PATH.fullmatch(environ.get("PATH_INFO", ""))
    data = feed.calendar(store, match.group(1), now) if match else None
    if data is None:
        return _plain(start_response, "404 Not Found", "No lean coffee is published here.\n")
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/calendar; charset=utf-8"),
            ("Cache-Control", "public, max-age=300"),
            ("Content-Disposition", 'inline; filename="lean-coffee.ics"'),
        ],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [data]


def _plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode()]


class _Handler(WSGIRequestHandler):
    """One connection, one request, in a thread of its own."""

    timeout = CLIENT_TIMEOUT

    def log_message(self, format: str, *args: object) -> None:
        return  # a line per request is noise: /metrics counts them


class ThreadedServer(ThreadingMixIn, WSGIServer):
    """The standard library's WSGI server, a thread per connection, quiet per request.
    Stop it with `shutdown()` (from another thread than the loop's), then `server_close()`,
    which waits for the requests in flight."""

    # request threads are joined by server_close(): the drain on the way out
    daemon_threads = False
    block_on_close = True
    request_queue_size = 1024  # connections the kernel holds while the loop accepts

    def server_bind(self) -> None:
        # HTTPServer looks up the host's fully qualified name here, a DNS query that can hang
        # a start on a host without DNS; the address as given serves WSGI's SERVER_NAME
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self.setup_environ()

    @classmethod
    def serving(
        cls, application: Callable[..., Iterable[bytes]], host: str, port: int
    ) -> ThreadedServer:
        server = cls((host, port), _Handler)
        server.set_app(application)
        return server

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hung up or stopped sending: one quiet line, not a traceback
        log.debug("a connection from %s failed", client_address[0], exc_info=True)


class Server:
    """The WSGI server, with a stop that finishes what was promised.

    It listens before the bot has started: /healthz answers at once, /readyz says what it is
    waiting for (a database that cannot be reached yet), Slack's requests get 503 until
    `attach` hands it the started app.
    """

    def __init__(
        self,
        signing_secret: str,
        host: str,
        port: int,
        *,
        stop_within: float = 10.0,
        most_at_once: int = MOST_AT_ONCE,
    ) -> None:
        self.stopping = threading.Event()
        self._attaching = threading.Lock()  # a bot attached as the stop begins is stopped too
        self.signing_secret, self.stop_within = signing_secret, stop_within
        self.on_stop: Callable[[float], None] = lambda _budget: None
        self.waiting_for = "starting"  # why /readyz says no before the bot is attached
        self.failure: str | None = None  # why the bot could not start, if it could not
        self._served: Callable[..., Iterable[bytes]] | None = None
        self._slots = threading.BoundedSemaphore(most_at_once)
        self.server = ThreadedServer.serving(self._application, host, port)
        self.stopped = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    def attach(self, app: App, store: Store, on_stop: Callable[[float], None]) -> bool:
        """The bot has started: serve it, and stop it on the way out. False if the server is
        already stopping (the caller stops its bot itself)."""
        with self._attaching:
            if self.stopping.is_set():
                return False
            self.on_stop = on_stop
            self._served = wsgi_app(app, store, self.signing_secret, stopping=self.stopping.is_set)
            return True

    def wait_for(self, why: str) -> None:
        """What the start is waiting for, as /readyz will say until the bot is attached."""
        self.waiting_for = why

    def _application(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        if path == "/healthz":  # from no state at all: it never waits for anything
            return _plain(start_response, "200 OK", "ok\n")
        if not self._slots.acquire(blocking=False):
            return _plain(start_response, "503 Service Unavailable", "busy: try again\n")
        try:
            served = self._served
            if served is not None:
                return served(environ, start_response)
            if path == "/metrics":
                start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4")])
                return [metrics.exposition()]
            why = "shutting down" if self.stopping.is_set() else self.waiting_for
            return _plain(start_response, "503 Service Unavailable", why + "\n")
        finally:
            self._slots.release()  # the answers here are whole lists: the work is done

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        host, port = self.address
        log.info("serving on http://%s:%s%s", host, port, EVENTS_PATH)
        try:
            self.server.serve_forever(poll_interval=0.1)
        finally:
            self._finish()
            self.stopped.set()

    def fail(self, reason: str) -> None:
        """The bot cannot start (its settings or token were refused): stop, saying why."""
        self.failure = reason
        self.stop()

    def _on_signal(self, signum: int, _frame: object) -> None:
        if not self.stopping.is_set():
            log.info("%s: stopping", signal.Signals(signum).name)
        self.stop()

    def stop(self) -> None:
        with self._attaching:
            if self.stopping.is_set():
                return
            self.stopping.set()
        # shutdown() waits for the loop to end, and the loop may be running in this very
        # thread (a signal handler): ask from another
        threading.Thread(target=self.server.shutdown, name="shutdown", daemon=True).start()

    def _finish(self) -> None:
        """Stop listening and let the requests in flight finish, then stop the bot's work;
        all within `stop_within`, so the clock lease is freed in time."""
        deadline = time.monotonic() + self.stop_within - 1.0
        drain = threading.Thread(target=self.server.server_close, name="drain", daemon=True)
        drain.start()
        drain.join(max(0.0, deadline - 4.0 - time.monotonic()))
        if drain.is_alive():
            log.warning("stopping with requests still in flight")
        try:
            self.on_stop(max(0.5, deadline - time.monotonic()))
        except Exception:
            log.exception("stopping the bot's work")
