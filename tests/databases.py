"""A database of its own for each test, made by copying one built once a run.

Migrating a database takes 0.15 s on SQLite and 0.4 s on PostgreSQL, and importing the seed
catalog 0.15 s more; most tests need one or both. On SQLite each kind (migrated, migrated and
seeded) is built once and every test gets a copy of its file. On PostgreSQL (where a
`CREATE DATABASE ... TEMPLATE` costs as much as migrating, and TRUNCATE almost as much) the
database given is migrated once and put back between tests by deleting rows, which is quick.
Run in parallel (pytest -n), each worker does the same on its own: its own files, and its own
database beside the one given (worker_database)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Column, MetaData, Table, create_engine, select, text
from sqlalchemy.engine import Connection, Engine, make_url

from bot.store import Store, normalize_url

Kind = Literal["empty", "migrated", "seeded"]


def prepare(store: Store, kind: Kind, seed: Callable[[Store], None]) -> None:
    """Bring an empty database to `kind`."""
    if kind == "empty":
        return
    store.upgrade()
    if kind == "seeded":
        seed(store)


class SqliteCopies:
    def __init__(self, folder: Path, seed: Callable[[Store], None]) -> None:
        self.folder, self.seed = folder, seed
        self._built: dict[Kind, Path] = {}

    def fresh(self, kind: Kind, where: Path) -> str:
        target = where / "wgbot.db"
        if kind != "empty":
            # a byte copy: the template is closed and whole in its one file (see _template),
            # and copying it costs a tenth of SQLite's backup
            shutil.copyfile(self._template(kind), target)
        return f"sqlite:///{target}"

    def _template(self, kind: Kind) -> Path:
        if kind not in self._built:
            path = self.folder / f"{kind}.db"
            store = Store(f"sqlite:///{path}", timeout=None)
            prepare(store, kind, self.seed)
            store.dispose()
            # everything written into the database file itself, and the write-ahead log gone
            with closing(sqlite3.connect(path)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            assert not path.with_name(path.name + "-wal").exists(), "a connection is still open"
            self._built[kind] = path
        return self._built[kind]

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Kept:
    rows: dict[str, list[dict[str, Any]]]
    sequences: dict[str, tuple[int, bool]]


def worker_database(url: str, worker: str) -> str:
    """The database of one parallel worker (pytest-xdist's `gw0`, `gw1`...): `<name>_<worker>`
    beside the one given, made afresh on the same server. Each worker resets its own between
    tests and closes every other connection to it, which in a shared one would cut off the
    other workers' tests."""
    given = make_url(url)
    name = f"{given.database}_{worker}"
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        _drop_database(conn, name)  # a run stopped half-way may have left it
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


def drop_worker_database(url: str, worker_url: str) -> None:
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        _drop_database(conn, make_url(worker_url).database or "")
    admin.dispose()


def _drop_database(conn: Connection, name: str) -> None:
    # FORCE: a process a test left behind must not keep the next run from starting
    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class PostgresResets:
    """One PostgreSQL database for the whole run, put back between tests: every table emptied,
    then the rows of the kind asked for written back from memory with their sequences (the
    rows the migrations write, read once after migrating; with the seed's, read once after
    the first import). A test that left the schema changed gets it dropped and migrated
    again."""

    def __init__(self, url: str, seed: Callable[[Store], None]) -> None:
        self.url, self.seed = url, seed
        self.engine: Engine = create_engine(normalize_url(url))
        self._schema: tuple[object, ...] | None = None  # as migrated: checked before a reset
        self._tables: list[Table] = []  # in the order their foreign keys allow inserts
        self._sequences: list[str] = []
        self._insertable: dict[str, list[Column[Any]]] = {}
        self._kept: dict[Kind, Kept] = {}  # each kind's rows and sequence values

    def fresh(self, kind: Kind, _where: Path) -> str:
        if kind == "empty":
            self._drop_schema()
            return self.url
        if self._schema is None or self._schema_now() != self._schema:
            self._migrate()
        if kind not in self._kept:
            self._reset("migrated")
            store = Store(self.url, timeout=None)
            self.seed(store)
            store.dispose()
            self._kept[kind] = self._read()
        self._reset(kind)
        return self.url

    # ---- building ----
    def _drop_schema(self) -> None:
        with self.engine.begin() as conn:
            _close_others(conn)
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        self._schema = None

    def _migrate(self) -> None:
        self._drop_schema()
        store = Store(self.url, timeout=None)
        store.upgrade()
        store.dispose()
        reflected = MetaData()
        reflected.reflect(self.engine)
        self._tables = [t for t in reflected.sorted_tables if t.name != "alembic_version"]
        with self.engine.connect() as conn:
            generated = {
                (r.table_name, r.column_name)
                for r in conn.execute(
                    text(
                        "SELECT table_name, column_name FROM information_schema.columns"
                        " WHERE table_schema = 'public' AND is_generated = 'ALWAYS'"
                    )
                )
            }
            self._sequences = list(
                conn.scalars(
                    text(
                        "SELECT sequence_name FROM information_schema.sequences"
                        " WHERE sequence_schema = 'public'"
                    )
                )
            )
        # generated columns are computed on insert, never written
        self._insertable = {
            t.name: [c for c in t.columns if (t.name, c.name) not in generated]
            for t in self._tables
        }
        self._schema = self._schema_now()
        self._kept = {"migrated": self._read()}

    def _schema_now(self) -> tuple[object, ...]:
        """The migration and every column: a test that changed either is noticed."""
        with self.engine.connect() as conn:
            return tuple(
                conn.execute(
                    text(
                        "SELECT (SELECT string_agg(version_num, ',') FROM alembic_version),"
                        " count(*), string_agg(table_name || '.' || column_name, ','"
                        "   ORDER BY table_name, column_name)"
                        " FROM information_schema.columns WHERE table_schema = 'public'"
                    )
                ).one()
            )

    def _read(self) -> Kept:
        with self.engine.connect() as conn:
            rows = {
                t.name: [dict(r._mapping) for r in conn.execute(select(*self._insertable[t.name]))]
                for t in self._tables
            }
            sequences = {
                name: conn.execute(text(f'SELECT last_value, is_called FROM "{name}"')).one()
                for name in self._sequences
            }
        return Kept(rows, sequences)

    # ---- between tests ----
    def _reset(self, kind: Kind) -> None:
        with self.engine.begin() as conn:
            _close_others(conn)  # nothing a previous test left running writes into this one
            for t in reversed(self._tables):
                conn.execute(t.delete())
            kept = self._kept[kind]
            for t in self._tables:
                if rows := kept.rows[t.name]:
                    conn.execute(t.insert(), rows)
            for name, (value, called) in kept.sequences.items():
                conn.execute(
                    text("SELECT setval(:s, :v, :c)"), {"s": name, "v": value, "c": called}
                )

    def close(self) -> None:
        self.engine.dispose()


def _close_others(conn: Connection) -> None:
    conn.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    )
