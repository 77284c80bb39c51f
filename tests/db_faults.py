"""Faults a test can inflict on the database: a lock that keeps the bot waiting, and the
server closing the bot's connections."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.store import normalize_url
from bot.store.engine import APPLICATION_NAME


@contextmanager
def tables_locked(db_url: str, *tables: str) -> Iterator[None]:
    """Another connection holds a lock that keeps the bot's statements on these tables waiting
    (on SQLite, the database's one write lock) until the block ends."""
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                for table in tables:
                    conn.exec_driver_sql(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield
            conn.rollback()
    finally:
        engine.dispose()


def kill_bot_connections(db_url: str) -> int:
    """pg_terminate_backend on every connection the bot holds; returns how many. Waits until
    each has left the server, having sent its client the reason first."""
    with psycopg.connect(db_url, autocommit=True, application_name="test-killer") as conn:
        # first the pids, then the kill: in one WHERE the server may call pg_terminate_backend
        # before it has filtered the rows
        pids = [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
                " AND datname = current_database() AND pid <> pg_backend_pid()",
                (APPLICATION_NAME,),
            )
        ]
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 60  # only a safety net: the loop waits on the server
        while time.monotonic() < deadline:
            (left,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
            ).fetchone()
            if not left:
                return len(pids)
    raise AssertionError(f"backends {pids} were still there a minute after being killed")


class Proxy:
    """A TCP relay to the database that can stop relaying while keeping every socket open: to
    the bot, a database that accepts connections (and holds the ones it has) but never answers.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.frozen = threading.Event()
        self.stalled = 0  # how many waits on the database it has left unanswered
        self._server = socket.create_server(("127.0.0.1", 0))
        self._sockets: list[socket.socket] = [self._server]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return self._server.getsockname()[1]

    @classmethod
    def to(cls, db_url: str) -> Proxy:
        url = make_url(normalize_url(db_url))
        return cls((url.host or "127.0.0.1", url.port or 5432))

    def url(self, db_url: str) -> str:
        """`db_url` (a PostgreSQL URL) pointed at this relay."""
        url = make_url(normalize_url(db_url)).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            self._sockets.append(client)
            if self.frozen.is_set():
                self.stalled += 1
                continue  # accepted, and never a word
            upstream = socket.create_connection(self.target)
            self._sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if self.frozen.is_set():
                    self.stalled += 1
                    return  # swallow it: the other side waits for an answer that never comes
                dst.sendall(data)
        except OSError:
            return

    def close(self) -> None:
        for s in self._sockets:
            s.close()
