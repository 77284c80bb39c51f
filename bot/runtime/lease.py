"""The clock lease: of all processes on one database, exactly one works the scheduler.

On PostgreSQL the lease is a session-level advisory lock held on a connection kept for the
purpose: it dies with that connection, so a killed holder frees it and another process takes
it on its next try. On SQLite, where only one host can write the file, it is an exclusive
`flock` on a file beside the database, which the kernel releases when the holder dies.

A holder cut off from PostgreSQL without its connection closing (a host gone silent, a network
that drops everything) would keep the lock as long as the server believes in the session:
hours, by TCP's defaults. So the lease's session tells the server to end it once the holder
goes quiet, and the holder stops trusting its lock a little before the server may end it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from bot.store import Store
from bot.store.engine import REQUEST_TIMEOUT, make_engine
from bot.store.watchdog import WATCHDOG

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


# The server frees a silent holder's lock by ending its session. The holder speaks every
# LEASE_EVERY (5 s) seconds, so a session quiet for IDLE_LIMIT is one whose holder is gone or
# cut off; TCP keepalives and the user timeout catch a host that vanished mid-exchange.
IDLE_LIMIT = 20  # seconds: idle_session_timeout (PostgreSQL 14 and later)
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 5, 5, 3  # seconds, seconds, probes
USER_TIMEOUT = 20  # seconds: tcp_user_timeout, data the holder never acknowledged
# The holder trusts its lock this long after the server last answered it: less than the
# soonest the server could end the session, so a holder cut off stops acting as clock before
# another process can take over.
MARGIN = 5.0  # seconds


def session_limits(
    idle: int = IDLE_LIMIT,
    keepalive: tuple[int, int, int] = (KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT),
    user_timeout: int = USER_TIMEOUT,
) -> dict[str, str]:
    """The server settings of the lease's session (milliseconds where PostgreSQL counts them)."""
    ka_idle, ka_interval, ka_count = keepalive
    return {
        "idle_session_timeout": str(idle * 1000),
        "tcp_keepalives_idle": str(ka_idle),
        "tcp_keepalives_interval": str(ka_interval),
        "tcp_keepalives_count": str(ka_count),
        "tcp_user_timeout": str(user_timeout * 1000),
    }


def _soonest_end(limits: dict[str, str]) -> float:
    """The soonest, in seconds after the server last heard the holder, it may end the session."""
    keepalive = int(limits["tcp_keepalives_idle"]) + int(limits["tcp_keepalives_interval"]) * int(
        limits["tcp_keepalives_count"]
    )
    return min(
        int(limits["idle_session_timeout"]) / 1000,
        int(limits["tcp_user_timeout"]) / 1000,
        keepalive,
    )


class PostgresLease:
    """The lock on a connection of its own (its own one-connection engine), whose session
    carries the limits above, so it never goes back to a pool other code borrows from."""

    def __init__(
        self,
        store: Store,
        key: int = CLOCK_KEY,
        *,
        limits: dict[str, str] | None = None,
        margin: float = MARGIN,
    ) -> None:
        self.key = key
        self.limits = limits or session_limits()
        self.trust = max(0.0, _soonest_end(self.limits) - margin)
        # each exchange with the server is bounded by `answer_within`, below; the engine's
        # own (request) bounds are not wanted on a session that lives as long as the process
        self.answer_within = store.timeout or REQUEST_TIMEOUT
        self.engine = make_engine(store.url, timeout=None, pool_size=1, max_overflow=0)
        self._conn: Connection | None = None  # the lease's session, holding the lock or not
        self._holding = False
        self._trusted_until = 0.0  # time.monotonic(): when the holder stops trusting the lock
        self._lock = threading.Lock()

    @property
    def held(self) -> bool:
        return self._holding and time.monotonic() < self._trusted_until

    def acquire(self) -> bool:
        with self._lock:
            if self._holding and not self.held:
                log.warning(
                    "lost the clock lease: the database did not confirm it within %.0f s",
                    self.trust,
                )
                self._drop()
            asked = time.monotonic()  # the server heard us no earlier than this
            try:
                conn = self._session()
                with _answered_within(conn, self.answer_within):
                    if self._holding:  # still ours? a session that ended took the lock with it
                        conn.execute(text("SELECT 1")).scalar()
                        got = True
                    else:
                        got = bool(
                            conn.execute(
                                text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}
                            ).scalar()
                        )
            except Exception as exc:
                # one line each try: a database away for an hour is not worth a traceback a tick
                why = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
                if self._holding:
                    log.warning("lost the clock lease: its database connection died (%s)", why)
                else:
                    log.warning("could not try the clock lease: %s", why)
                self._drop()
                return False
            if got:
                if not self._holding:
                    log.info("this process now holds the clock lease")
                self._holding, self._trusted_until = True, asked + self.trust
            return got

    def _session(self) -> Connection:
        if self._conn is None:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._conn = conn  # set first: a failure below drops it
            version = conn.dialect.server_version_info or (0,)
            with _answered_within(conn, self.answer_within):
                for name, value in self.limits.items():
                    if name == "idle_session_timeout" and version < (14,):
                        continue  # older servers lack it; the keepalives still catch a lost host
                    conn.execute(
                        text("SELECT set_config(:name, :value, false)"),
                        {"name": name, "value": value},
                    )
        return self._conn

    def _drop(self) -> None:
        self._holding = False
        if self._conn is not None:
            try:
                self._conn.invalidate()  # closes the session; its lock goes with it
                self._conn.close()
            except Exception:
                log.debug("closing the lease connection", exc_info=True)
        self._conn = None

    def release(self) -> None:
        with self._lock:
            if self._holding and self._conn is not None:
                try:
                    with _answered_within(self._conn, self.answer_within):
                        self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                    log.info("released the clock lease")
                except Exception:
                    log.debug("releasing the clock lease", exc_info=True)
            self._drop()
            self.engine.dispose()


@contextmanager
def _answered_within(conn: Connection, seconds: float) -> Iterator[None]:
    """End the block's wait on the server after `seconds` (bot/store/watchdog.py): a server
    cut off behind a relay that holds the connection open would otherwise keep the lease's
    thread waiting for good, as TCP sees nothing wrong."""
    raw = conn.connection.dbapi_connection
    if raw is None:
        raise ConnectionError("the lease's connection is closed")
    with WATCHDOG.within(raw, seconds):
        yield


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
