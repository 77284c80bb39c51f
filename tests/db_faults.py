"""Faults a test can inflict on the database: a lock that keeps the bot waiting, and the
server closing the bot's connections."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import create_engine

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
