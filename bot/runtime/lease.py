"""The clock lease: of all processes on one database, exactly one works the scheduler.

On PostgreSQL the lease is a session-level advisory lock held on a connection kept for the
purpose: it dies with that connection, so a killed holder frees it and another process takes
it on its next try. On SQLite, where only one host can write the file, it is an exclusive
`flock` on a file beside the database, which the kernel releases when the holder dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from bot.store import Store

log = logging.getLogger(__name__)

# pg_try_advisory_lock's key: any constant the bot's other locks do not use
CLOCK_KEY = 0x776762_01  # "wgb" + 1


class Lease(Protocol):
    def acquire(self) -> bool:
        """Take the lease if free, or confirm it is still ours. True while this process holds it."""
        ...

    @property
    def held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresLease:
    def __init__(self, store: Store, key: int = CLOCK_KEY) -> None:
        self.store, self.key = store, key
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    @property
    def held(self) -> bool:
        return self._conn is not None

    def acquire(self) -> bool:
        with self._lock:
            if self._conn is not None:
                try:  # still ours? a terminated connection (and so the lock) fails here
                    self._conn.execute(text("SELECT 1")).scalar()
                    return True
                except Exception:
                    log.warning("lost the clock lease: its database connection died")
                    self._drop()
            conn: Connection | None = None
            try:
                conn = self.store.engine.connect()
                got = conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}
                ).scalar()
                conn.commit()  # the lock is the session's, not the transaction's
            except Exception:
                log.warning("could not try the clock lease", exc_info=True)
                if conn is not None:
                    conn.invalidate()
                    conn.close()
                return False
            if got:
                self._conn = conn
                log.info("this process now holds the clock lease")
                return True
            conn.close()
            return False

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()  # never hand a connection that held the lock back
                self._conn.close()
            except Exception:
                log.debug("closing the lease connection", exc_info=True)
        self._conn = None

    def release(self) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
                log.info("released the clock lease")
            except Exception:
                log.debug("releasing the clock lease", exc_info=True)
            self._drop()


class FileLease:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> bool:
        with self._lock:
            if self._file is not None:
                return True
            self.path.parent.mkdir(parents=True, exist_ok=True)
            f = open(self.path, "ab")  # noqa: SIM115 - held open for the life of the lease
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                return False
            f.truncate(0)
            f.write(f"{os.getpid()}\n".encode())
            f.flush()
            self._file = f
            log.info("this process now holds the clock lease (%s)", self.path)
            return True

    def release(self) -> None:
        with self._lock:
            if self._file is None:
                return
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
            log.info("released the clock lease")


def lease_for(store: Store) -> Lease:
    if store.dialect == "postgresql":
        return PostgresLease(store)
    database = make_url(store.url).database or ""
    if not database or database == ":memory:":
        # a database only this process can see: a lock object only it can see will do
        return FileLease(
            Path(tempfile.gettempdir()) / f"wgbot-{os.getpid()}-{id(store)}.clock.lock"
        )
    return FileLease(Path(database + ".clock.lock"))
