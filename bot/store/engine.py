"""One engine per process, sessions on demand, migrations applied through Alembic."""

from __future__ import annotations

import fcntl
import logging
import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from bot.store.turns import NoTurn, Turns
from bot.store.watchdog import WATCHDOG

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_KEY = 0x776762_02  # advisory lock around migrations ("wgb" + 2)

# Read paths take a Connection (the fast path) or a Session: both have execute() and scalar().
Db = Connection | Session


def dialect_of(db: Db) -> str:
    return db.dialect.name if isinstance(db, Connection) else db.get_bind().dialect.name


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute returns a CursorResult for those
    statements, though its signature names the general Result, which has no rowcount."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"rowcount of a {type(result).__name__}: not a DML statement's result")
    return result.rowcount


def normalize_url(url: str) -> str:
    """Accept the `postgres://` form hosting platforms hand out; use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


# How long a request may wait on the database before it gives up and answers "try again":
# well inside Slack's 3 s, so a database that hangs costs each request ~2 s, not a thread for
# the whole outage. Imports and migrations pass None (no limit).
REQUEST_TIMEOUT = 2.0
CONNECT_TIMEOUT = 2  # seconds; libpq counts whole seconds and takes 2 as its least
RECYCLE = 300  # seconds: a connection is renewed before idle-killing middleboxes cut it
# The connections a process may open (WGBOT_DB_POOL_SIZE, WGBOT_DB_MAX_OVERFLOW). The web
# server admits more requests at once (bot/web/server.py, 64) than the pool holds: a request
# beyond the pool waits for a connection at most the request's timeout, then is answered "try
# again" (a vote's note, or the app's apology), never a trace. Per process: the pool (16 + 4),
# and the clock lease's own connection; starting, each waits its turn at the migration lock on
# one more, and the one migrating uses another. Three replicas and a clock: 4 x 22 + 1 = 89,
# under PostgreSQL's default max_connections of 100 less the 3 kept for superusers, with room
# for `wgbot import` and an operator's psql.
POOL_SIZE, POOL_OVERFLOW = 16, 4
CONNECTIONS_PER_PROCESS = POOL_SIZE + POOL_OVERFLOW + 1  # the lease's (bot/runtime/lease.py)
CONNECTIONS_AT_START = CONNECTIONS_PER_PROCESS + 1  # the migration lock's guard
APPLICATION_NAME = "wgbot"
# the server's statement_timeout fires first and keeps the connection; this much later the
# client gives up on a server that does not answer at all
CLIENT_GRACE = 0.5
# a streamed read (the catalog's loads) may take this many statements' time in all
STREAMED = 10


def _sqlite_pragmas(busy_ms: int) -> Callable[..., None]:
    def pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return pragmas


class _Socket(Protocol):
    """What a psycopg connection offers here: the number of its socket."""

    def fileno(self) -> int: ...


def _drop_if_closed(
    dbapi_conn: _Socket, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """Spot a pooled connection the server has closed (restart, failover, a killed backend)
    without a round trip: an idle connection has nothing to read unless the server said
    goodbye. Raising DisconnectionError makes the pool discard it and hand out another.

    This replaces `pool_pre_ping`, which spent a round trip on every checkout.
    """
    poller = select.poll()
    try:
        poller.register(dbapi_conn.fileno(), select.POLLIN)
    except (OSError, ValueError) as exc:  # already closed on our side
        raise DisconnectionError("connection closed") from exc
    if poller.poll(0):
        raise DisconnectionError("the server closed this connection while it was idle")


def make_engine(
    url: str,
    *,
    timeout: float | None = REQUEST_TIMEOUT,
    pool_size: int = POOL_SIZE,
    max_overflow: int = POOL_OVERFLOW,
    server_settings: dict[str, str] | None = None,
) -> Engine:
    """An engine whose every wait is bounded by `timeout` seconds (None: statements may run
    as long as they need, for imports and migrations; connecting stays bounded).

    The pool should hold a connection for every thread that may use the database at once
    (server threads, the after-ack pool, lazy listeners, the clock): a thread that waits for
    a connection in a burst waits on the others' GIL turns too, and an overflow connection is
    opened for one use and closed again.
    """
    url = normalize_url(url)
    parsed = make_url(url)
    pool: dict[str, Any] = {"pool_size": pool_size, "max_overflow": max_overflow}
    pool["pool_timeout"] = timeout if timeout is not None else 30
    if parsed.get_backend_name() != "sqlite":
        options = parsed.query.get("options")
        return _postgres_engine(url, options, timeout, pool, server_settings or {})
    database = parsed.database or ""
    if not database or database == ":memory:":
        pool = {}  # one connection, kept: the database lives in it
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    busy = timeout if timeout is not None else 60.0
    connect_args = {"timeout": busy, "check_same_thread": False}
    # hide_parameters: a failed statement's error would quote its parameters, which are what
    # people typed (topics, commands): those have no place in a log
    engine = create_engine(url, connect_args=connect_args, hide_parameters=True, **pool)
    event.listen(engine, "connect", _sqlite_pragmas(int(busy * 1000)))
    if database and database != ":memory:":
        # WAL is a property of the file: readers never wait for the writer.
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    return engine


def _postgres_engine(
    url: str, options: Any, timeout: float | None, pool: dict[str, Any], settings: dict[str, str]
) -> Engine:
    connect_args: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT,
        "application_name": APPLICATION_NAME,  # the bot's connections, in pg_stat_activity
        # a server that vanished without closing the socket is noticed in seconds, not after
        # the kernel's quarter of an hour of retransmissions
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": 10_000,
    }
    if timeout is not None:
        # the server cancels a statement (or a lock wait) that outlives the request's budget
        settings = {"statement_timeout": str(int(timeout * 1000)), **settings}
    if settings:
        given = options if isinstance(options, str) else " ".join(options or ())
        ours = " ".join(f"-c {name}={value}" for name, value in settings.items())
        connect_args["options"] = f"{given} {ours}".strip()
    # what people typed stays out of errors (and so out of logs), as on SQLite
    engine = create_engine(
        url, pool_recycle=RECYCLE, connect_args=connect_args, hide_parameters=True, **pool
    )
    event.listen(engine, "checkout", _drop_if_closed)
    if timeout is not None:
        _watch_each_wait(engine, timeout + CLIENT_GRACE)
    return engine


def _watch_each_wait(engine: Engine, seconds: float) -> None:
    """Bound each wait on the server (a statement, a commit, a rollback, the pool's reset of
    a returned connection) by `seconds` through the watchdog (bot/store/watchdog.py), armed
    and disarmed by SQLAlchemy's public connection and pool events. This replaces a
    subclass of psycopg's connection that overrode its private `wait`. Connecting is bounded
    by libpq's connect_timeout."""

    def arm(conn: Connection, *_args: Any) -> None:
        if not (conn.closed or conn.invalidated):  # else asking for it would reconnect
            WATCHDOG.arm(conn.connection.dbapi_connection, seconds)

    def disarm(conn: Connection, *_args: Any) -> None:
        if not (conn.closed or conn.invalidated):
            WATCHDOG.disarm(conn.connection.dbapi_connection)

    def executed(
        conn: Connection, _cursor: Any, _sql: str, _params: Any, context: Any, *_: Any
    ) -> None:
        # a streamed result (yield_per: a server-side cursor) fetches its later rows with no
        # event of its own: its whole read stays bounded, more generously, until the next
        # statement or the connection's return moves or ends the deadline
        if context is not None and context.execution_options.get("stream_results"):
            if not (conn.closed or conn.invalidated):
                WATCHDOG.arm(conn.connection.dbapi_connection, seconds * STREAMED)
        else:
            disarm(conn)

    def disarm_raw(dbapi_conn: Any, *_args: Any) -> None:
        if dbapi_conn is not None:
            WATCHDOG.disarm(dbapi_conn)

    def failed(context: Any) -> None:
        if context.connection is not None:
            disarm(context.connection)

    for name in ("before_cursor_execute", "commit", "rollback"):
        event.listen(engine, name, arm)
    event.listen(engine, "after_cursor_execute", executed)
    event.listen(engine, "handle_error", failed)
    # a checkout arms it too, for code that talks to the driver's connection itself (its
    # statements fire no SQLAlchemy event); SQLAlchemy's own statements move the deadline on
    for name in ("checkout", "reset"):
        event.listen(engine, name, lambda dbapi_conn, *_a: WATCHDOG.arm(dbapi_conn, seconds))
    event.listen(engine, "checkin", disarm_raw)

    def forget(dbapi_conn: Any, *_args: Any) -> None:
        if dbapi_conn is not None:
            WATCHDOG.forget(dbapi_conn)

    for name in ("invalidate", "close", "close_detached"):
        event.listen(engine, name, forget)


class DatabaseBusy(Exception):
    """The database did not answer within the request's budget; nothing was written."""


class Store:
    """The database: an engine, a session factory and the schema's migrations.

    `timeout` bounds every wait on the database, in seconds: connecting, waiting for a pooled
    connection, and each statement (PostgreSQL's statement_timeout; SQLite's busy timeout).
    The default suits request handling; pass None for long batch work such as imports.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float | None = REQUEST_TIMEOUT,
        pool_size: int = POOL_SIZE,
        max_overflow: int = POOL_OVERFLOW,
    ) -> None:
        self.url = normalize_url(url)
        self.timeout = timeout
        self.engine = make_engine(
            self.url, timeout=timeout, pool_size=pool_size, max_overflow=max_overflow
        )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite takes one writer at a time; PostgreSQL as many as the pool holds, less the
        # overflow kept for work after acknowledgements and the courier
        self._turns = Turns(1 if self.dialect == "sqlite" else pool_size)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold while writing a hot row set from many threads at once (votes in a burst).

        Writers take turns in the order they came (bot/store/turns.py): SQLite would make all
        but one sleep and poll for its file lock, and the pool's own queue lets the threads
        that just finished jump ahead of those waiting, which turns a burst into seconds of
        tail latency for a few. A turn not given within the request's timeout raises
        DatabaseBusy: nothing was written.
        """
        try:
            with self._turns.turn(self.timeout):
                yield
        except NoTurn:
            raise DatabaseBusy("the database was busy with other writes too long") from None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["engine"] = self.engine
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Apply migrations, which may take longer than a request's budget (on PostgreSQL
        through an engine of their own without the statement timeout). Replicas starting
        together take turns, so it happens once: on an advisory lock on PostgreSQL, on a lock
        file beside the database on SQLite (`serve` and `clock` starting on one fresh file)."""
        if self.dialect != "postgresql":
            with self._sqlite_migration_lock():
                command.upgrade(self.alembic_config(), revision)
            return
        unbounded = Store(self.url, timeout=None) if self.timeout is not None else self
        try:
            with unbounded.engine.connect() as guard:
                guard.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_KEY})
                guard.commit()
                try:
                    command.upgrade(unbounded.alembic_config(), revision)
                finally:
                    guard.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_KEY})
                    guard.commit()
        finally:
            if unbounded is not self:
                unbounded.dispose()

    @contextmanager
    def _sqlite_migration_lock(self) -> Iterator[None]:
        """An exclusive `flock` on `<database>.migrate.lock` while migrating; the kernel frees
        it if the holder dies. An in-memory database is this process's alone: no lock."""
        database = make_url(self.url).database or ""
        if not database or database == ":memory:":
            yield
            return
        with open(database + ".migrate.lock", "ab") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # waits while another process migrates
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def schema_revision(self) -> tuple[str | None, str]:
        """(the database's migration, the newest this code knows): readiness compares them."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(self.alembic_config()).get_current_head() or ""
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        return current, head

    def dispose(self) -> None:
        self.engine.dispose()
