"""HTTP mode: Bolt's WSGI adapter under waitress, beside health, readiness and metrics.

waitress has no graceful stop of its own; on SIGTERM the server stops accepting, lets the
requests in flight finish and their answers go out, then the bot's own work after acks
(vote notes, redraws, lazy listeners) and the clock are stopped before the process exits.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.coffee import feed
from bot.runtime import metrics
from bot.store import Store
from bot.web.guard import MAX_BODY, guard
from bot.web.health import HealthListener, readiness

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
THREADS = 8


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


class Server:
    """waitress, with a stop that finishes what was promised.

    It listens before the bot has started: /healthz answers at once, /readyz says what it is
    waiting for (a database that cannot be reached yet), Slack's requests get 503 until
    `attach` hands it the started app. A second, tiny listener (`health_port`) answers
    /healthz from a thread of its own, so a liveness probe never queues behind requests
    that wait on the database.
    """

    def __init__(
        self,
        signing_secret: str,
        host: str,
        port: int,
        *,
        stop_within: float = 10.0,
        health_port: int | None = None,
    ) -> None:
        from waitress import create_server

        self.stopping = threading.Event()
        self._attaching = threading.Lock()  # a bot attached as the stop begins is stopped too
        self.signing_secret, self.stop_within = signing_secret, stop_within
        self.on_stop: Callable[[float], None] = lambda _budget: None
        self.waiting_for = "starting"  # why /readyz says no before the bot is attached
        self.failure: str | None = None  # why the bot could not start, if it could not
        self._served: Callable[..., Iterable[bytes]] | None = None
        self.server: Any = create_server(
            self._application,
            host=host,
            port=port,
            threads=THREADS,
            ident="wgbot",
            max_request_body_size=MAX_BODY,  # waitress refuses bigger bodies without reading them
        )
        self.health = HealthListener(host, health_port) if health_port is not None else None
        self.stopped = threading.Event()

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
        served = self._served
        if served is not None:
            return served(environ, start_response)
        path = environ.get("PATH_INFO") or ""
        if path == "/healthz":
            return _plain(start_response, "200 OK", "ok\n")
        if path == "/metrics":
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4")])
            return [metrics.exposition()]
        why = "shutting down" if self.stopping.is_set() else self.waiting_for
        return _plain(start_response, "503 Service Unavailable", why + "\n")

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        host, port = self.server.effective_host, self.server.effective_port
        if self.health is not None:
            self.health.start()
            log.info("answering /healthz on http://%s:%s/healthz too", host, self.health.port)
        log.info("serving on http://%s:%s%s", host, port, EVENTS_PATH)
        try:
            self.server.run()
        finally:
            self.server.task_dispatcher.shutdown(timeout=1)
            if self.health is not None:
                self.health.close()
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
        # stop accepting (the loop stops watching the listening socket; closing it here, under
        # a select() in progress, would fail that select)
        self.server.accepting = False
        threading.Thread(target=self._finish, name="shutdown", daemon=True).start()

    def _finish(self) -> None:
        deadline = time.monotonic() + self.stop_within - 1.0
        self._wait_for_requests(deadline - 4.0)
        try:
            self.on_stop(max(0.5, deadline - time.monotonic()))
        except Exception:
            log.exception("stopping the bot's work")
        # ends the loop in its own thread: closing every channel empties its map
        from waitress import wasyncore

        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))

    def _wait_for_requests(self, deadline: float) -> None:
        dispatcher = self.server.task_dispatcher
        while time.monotonic() < deadline:
            busy = dispatcher.active_count or dispatcher.queue
            unsent = any(
                getattr(channel, "total_outbufs_len", 0)
                for channel in list(self.server._map.values())
            )
            if not busy and not unsent:
                return
            time.sleep(0.02)
        log.warning("stopping with requests still in flight")
