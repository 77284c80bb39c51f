"""One engine per process, sessions on demand, migrations applied through Alembic."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_KEY = 0x776762_02  # advisory lock around migrations ("wgb" + 2)

# Read paths take a Connection (the fast path) or a Session: both have execute() and scalar().
Db = Connection | Session


def dialect_of(db: Db) -> str:
    return db.dialect.name if isinstance(db, Connection) else db.get_bind().dialect.name


def normalize_url(url: str) -> str:
    """Accept the `postgres://` form hosting platforms hand out; use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    database = parsed.database or ""
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 5, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    if database and database != ":memory:":
        # WAL is a property of the file: readers never wait for the writer.
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    return engine


class Store:
    """The database: an engine, a session factory and the schema's migrations."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = threading.Lock()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold while writing a hot row set from many threads at once (votes in a burst).

        SQLite takes one writer at a time and makes the others sleep and poll, which turns a
        burst into seconds of tail latency; queueing on a lock in this process hands the
        write lock over at once. PostgreSQL locks rows itself: nothing to do.
        """
        if self.dialect != "sqlite":
            yield
            return
        with self._writer:
            yield

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
        """Migrate; replicas starting together on PostgreSQL take turns, so it happens once."""
        if self.dialect != "postgresql":
            command.upgrade(self.alembic_config(), revision)
            return
        with self.engine.connect() as guard:
            guard.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_KEY})
            guard.commit()
            try:
                command.upgrade(self.alembic_config(), revision)
            finally:
                guard.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_KEY})
                guard.commit()

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
