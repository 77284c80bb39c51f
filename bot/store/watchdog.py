"""A bound on each wait for a PostgreSQL server that stopped answering altogether.

The server's own limits (statement_timeout, lock timeouts) need a server that runs; TCP's
(keepalives, tcp_user_timeout) need packets that go unanswered. Neither fires when the
server's process is frozen, or when a relay in between (a pooler, a proxy) keeps the socket
open and acknowledges every byte: the driver then waits for good, and psycopg has no public
per-statement timeout on the client side. So a connection still waiting on its server
`seconds` after it asked has its socket shut down, and the driver fails as when the server
hangs up; the pool then throws the connection away.

Only public calls: the driver's documented `fileno()`, the standard library's `os.dup` and
`socket.shutdown`. A duplicate of each watched connection's socket is made once, when it is
first armed, and held until the connection is closed (`forget`, from the pool's close events,
or when the connection object goes): shutting it down ends the shared connection, and a
descriptor number the system reuses meanwhile is never touched. Arming is then a deadline
in a dict: every statement arms and disarms, so it must cost next to nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

log = logging.getLogger(__name__)


class Watchdog:
    """One thread watching every armed connection's deadline."""

    def __init__(self) -> None:
        self._socks: dict[int, socket.socket] = {}  # by id() of the driver's connection
        self._deadlines: dict[int, float] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._wakes_at = float("inf")  # when the watcher looks next, unless notified

    def arm(self, dbapi_conn: Any, seconds: float) -> None:
        """Give up on `dbapi_conn` unless disarmed within `seconds` (re-arming moves it on)."""
        key = id(dbapi_conn)
        deadline = time.monotonic() + seconds
        with self._changed:
            if key not in self._socks:
                try:
                    self._socks[key] = socket.socket(fileno=os.dup(dbapi_conn.fileno()))
                except Exception:  # closed already: there is no wait to bound
                    return
                # (the id is not reused before this runs: the object is still alive then)
                weakref.finalize(dbapi_conn, self._forget, key)
            self._deadlines[key] = deadline
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="db-watch", daemon=True)
                self._thread.start()
            elif deadline < self._wakes_at:
                self._changed.notify()  # the watcher sleeps past this deadline

    def disarm(self, dbapi_conn: Any) -> None:
        with self._changed:
            self._deadlines.pop(id(dbapi_conn), None)

    def forget(self, dbapi_conn: Any) -> None:
        """The connection is being closed: let go of its duplicate socket too."""
        self._forget(id(dbapi_conn))

    def _forget(self, key: int) -> None:
        with self._changed:
            self._deadlines.pop(key, None)
            sock = self._socks.pop(key, None)
        if sock is not None:
            sock.close()

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
                due = [key for key, at in self._deadlines.items() if at <= now]
                for key in due:
                    del self._deadlines[key]
                expired = [sock for key in due if (sock := self._socks.pop(key, None))]
                if not expired:
                    # a deadline moved on by re-arming is looked at again when the old one
                    # comes, so a statement that arms and disarms wakes nobody
                    self._wakes_at = min(self._deadlines.values(), default=float("inf"))
                    wait = None if self._wakes_at == float("inf") else self._wakes_at - now
                    self._changed.wait(wait)
                    self._wakes_at = float("-inf")  # awake: an arm meanwhile need not notify
                    continue
            for sock in expired:
                log.warning("the database did not answer in time: giving up that connection")
                with suppress(OSError):  # the server had closed it already
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


WATCHDOG = Watchdog()
