"""A bound on each wait for a PostgreSQL server that stopped answering altogether.

The server's own limits (statement_timeout, lock timeouts) need a server that runs; TCP's
(keepalives, tcp_user_timeout) need packets that go unanswered. Neither fires when the
server's process is frozen, or when a relay in between (a pooler, a proxy) keeps the socket
open and acknowledges every byte: the driver then waits for good, and psycopg has no public
per-statement timeout on the client side. So a connection still waiting on its server
`seconds` after it asked has its socket shut down, and the driver fails as when the server
hangs up; the pool then throws the connection away.

Only public calls: the driver's documented `fileno()`, the standard library's `os.dup` and
`socket.shutdown`. A duplicate of the socket is held while a wait is watched: shutting it
down ends the shared connection, closing it closes only the duplicate, and a descriptor
number the system reuses meanwhile is never touched.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

log = logging.getLogger(__name__)


class Watchdog:
    """One thread watching every armed connection's deadline."""

    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, socket.socket]] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_conn: Any, seconds: float) -> None:
        """Give up on `dbapi_conn` unless disarmed within `seconds` (re-arming moves it on)."""
        try:
            sock = socket.socket(fileno=os.dup(dbapi_conn.fileno()))
        except Exception:  # closed already: there is no wait to bound
            return
        deadline = time.monotonic() + seconds
        with self._changed:
            old = self._armed.pop(id(dbapi_conn), None)
            soonest = min((at for at, _ in self._armed.values()), default=None)
            self._armed[id(dbapi_conn)] = (deadline, sock)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="db-watch", daemon=True)
                self._thread.start()
            elif soonest is None or deadline < soonest:
                self._changed.notify()  # the watcher sleeps until a later deadline, or for good
        if old is not None:
            old[1].close()

    def disarm(self, dbapi_conn: Any) -> None:
        with self._changed:
            entry = self._armed.pop(id(dbapi_conn), None)
        if entry is not None:
            entry[1].close()

    @contextmanager
    def within(self, dbapi_conn: Any, seconds: float) -> Iterator[None]:
        self.arm(dbapi_conn, seconds)
        try:
            yield
        finally:
            self.disarm(dbapi_conn)

    def _watch(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = [key for key, (at, _) in self._armed.items() if at <= now]
                expired = [self._armed.pop(key)[1] for key in due]
                if not expired:
                    soonest = min((at for at, _ in self._armed.values()), default=None)
                    self._changed.wait(None if soonest is None else soonest - now)
                    continue
            for sock in expired:
                log.warning("the database did not answer in time: giving up that connection")
                with suppress(OSError):  # the server had closed it already
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


WATCHDOG = Watchdog()
