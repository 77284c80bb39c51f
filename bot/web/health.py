"""/healthz (the process lives) and /readyz (it can serve: database answers, schema is current)."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.store import Store

log = logging.getLogger(__name__)


def readiness(store: Store, stopping: bool = False) -> tuple[bool, str]:
    """(ready, why): a load balancer sends traffic only where this says ready."""
    if stopping:
        return False, "shutting down"
    try:
        current, head = store.schema_revision()
    except Exception as exc:
        log.warning("readiness: the database does not answer: %s", exc)
        return False, f"database unavailable: {type(exc).__name__}"
    if current != head:
        return (
            False,
            f"schema at {current or 'nothing'}, this code needs {head}: run wgbot db upgrade",
        )
    return True, "ready"


class _Alive(BaseHTTPRequestHandler):
    """GET or HEAD /healthz: 200 "ok", from no state at all; anything else: 404."""

    timeout = 5  # seconds: a client that sends nothing does not keep its thread

    def do_GET(self) -> None:
        found = self.path.partition("?")[0] == "/healthz"
        body = b"ok\n" if found else b"not found\n"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        return  # a probe every few seconds is not news


class HealthListener:
    """/healthz on a port of its own, each probe answered in a thread of its own: it never
    waits behind the requests the main server is working on, whatever the database does."""

    def __init__(self, host: str, port: int) -> None:
        self.server = ThreadingHTTPServer((host, port), _Alive)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> HealthListener:
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="healthz", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:  # shutdown() waits for a loop that must be running
            self.server.shutdown()
        self.server.server_close()
