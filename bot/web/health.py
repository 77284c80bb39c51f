"""/healthz (the process lives) and /readyz (it can serve: database answers, schema is current,
and a SQLite file can be written)."""

from __future__ import annotations

import logging
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.store import Store
from bot.store.engine import DatabaseBusy

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
    if store.dialect == "sqlite":
        trouble = _cannot_write(store)
        if trouble:
            log.warning("readiness: %s", trouble)
            return False, trouble
    return True, "ready"


# Below this many free bytes beside a SQLite file, its next writes may fail for want of room.
MIN_FREE = 64 * 1024


def _cannot_write(store: Store) -> str | None:
    """Why this SQLite database cannot take a write now (a full disk, a read-only file or
    directory), or None. A write rolled back straight away: it takes the write lock, never
    changes anything, and touches no disk."""
    database = make_url(store.url).database or ""
    if database and database != ":memory:":
        try:
            free = shutil.disk_usage(Path(database).parent).free
        except OSError as exc:
            return f"the database's directory cannot be read: {exc.strerror}"
        if free < MIN_FREE:
            return f"the disk holding the database is full ({free} bytes free)"
    try:
        with store.writing(), store.engine.connect() as conn:
            try:
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                conn.rollback()
    except DatabaseBusy:
        return None  # another write holds it: busy, not broken
    except OperationalError as exc:
        if "locked" in str(exc.orig):
            return None  # busy, not broken
        return f"the database cannot be written: {exc.orig}"
    return None


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
