"""The clock lease: one holder per database, freed when the holder stops or its connection dies."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.runtime.lease import FileLease, PostgresLease, lease_for
from bot.store import Store


def test_one_holder_at_a_time_and_a_release_lets_the_next_in(store: Store, db_url: str):
    first, second = lease_for(store), lease_for(Store(db_url))
    assert first.acquire() and first.held
    assert not second.acquire() and not second.held
    assert first.acquire()  # confirming is not taking twice
    first.release()
    assert not first.held
    assert second.acquire()
    second.release()


def test_a_file_lease_is_the_file_beside_the_database(tmp_path):
    a, b = FileLease(tmp_path / "db.clock.lock"), FileLease(tmp_path / "db.clock.lock")
    assert a.acquire() and not b.acquire()
    a.release()
    assert b.acquire()
    b.release()


def test_a_holder_whose_connection_dies_loses_the_lease_and_another_takes_it(
    store: Store, db_url: str
):
    if store.dialect != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    other = Store(db_url)
    holder, waiting = PostgresLease(store), PostgresLease(other)
    assert holder.acquire() and not waiting.acquire()
    assert holder._conn is not None
    pid = holder._conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with other.engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        # the server ends the backend after answering: wait until it is gone (on a busy
        # machine that takes a moment), bounded so a backend that never goes fails the test
        gone = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p")
        for _ in range(10_000):
            if not conn.execute(gone, {"p": pid}).scalar():
                break
            conn.rollback()  # a fresh snapshot of pg_stat_activity on the next read
    # the dead connection took its session's lock with it
    assert waiting.acquire()
    assert not holder.acquire() and not holder.held
    waiting.release()
    assert holder.acquire()
    holder.release()
    other.dispose()
