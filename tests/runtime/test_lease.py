"""The clock lease: one holder per database, freed when the holder stops or its connection dies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.runtime.lease import CLOCK_KEY, FileLease, PostgresLease, lease_for, session_limits
from bot.runtime.scheduler import LEASE_EVERY, LeasedScheduler
from bot.store import Store
from tests.db_faults import Proxy
from tests.onboarding.conftest import Onboarding
from tests.processes import wait_for


def lock_holder(store: Store) -> int:
    """The server process holding the clock's advisory lock in this database, as PostgreSQL
    lists it (a bigint key is split into classid and objid)."""
    with store.engine.connect() as conn:
        pid = conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND objsubid = 1 AND (classid::bigint << 32 | objid::bigint) = :k"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"k": CLOCK_KEY},
        ).scalar_one()
    return int(pid)


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


@pytest.mark.postgres  # advisory locks are PostgreSQL's
def test_a_holder_whose_connection_dies_loses_the_lease_and_another_takes_it(
    store: Store, db_url: str
):
    other = Store(db_url)
    holder, waiting = PostgresLease(store), PostgresLease(other)
    assert holder.acquire() and not waiting.acquire()
    pid = lock_holder(other)
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


# ---- a holder cut off without its connection closing (PostgreSQL) -----------------------------
@pytest.fixture
def pg_url(db_url: str) -> str:
    if not db_url.startswith("postgres"):
        pytest.skip("advisory locks are PostgreSQL's")
    return db_url


@pytest.fixture
def proxy(pg_url: str) -> Iterator[Proxy]:
    relay = Proxy.to(pg_url)
    yield relay
    relay.close()


def _on(lease: PostgresLease, ob: Onboarding, every: float) -> LeasedScheduler:
    """The clock a process runs, campaigning for `lease` every `every` seconds."""
    return LeasedScheduler(lease, ob.feature, lease_every=every).start()


def test_a_holder_cut_off_loses_the_lock_to_another_within_a_minute(
    pg_url: str, proxy: Proxy, ob: Onboarding
):
    cut_off, other = Store(proxy.url(pg_url)), Store(pg_url)  # production's request timeout
    holder, waiting = PostgresLease(cut_off), PostgresLease(other)
    assert holder.acquire()
    clock = _on(holder, ob, LEASE_EVERY)  # as in production: it keeps confirming
    try:
        assert clock.holds and not waiting.acquire()
        proxy.frozen.set()  # the holder's packets go nowhere; its socket stays open

        # the server ends the silent session; the other lease's next try gets the lock
        wait_for(waiting.acquire, "another lease to take the silent holder's lock")
        # ... and by then the holder had already stopped acting as clock: never two at once
        assert not clock.holds and not holder.held
    finally:
        clock.stop()
        waiting.release()
        cut_off.dispose()
        other.dispose()


def test_a_live_holder_keeps_the_lock_past_the_servers_idle_limit(
    pg_url: str, proxy: Proxy, ob: Onboarding
):
    idle = 3  # seconds: the server's idle limit for the session, shortened for the test
    limits = session_limits(idle=idle, keepalive=(3, 1, 3), user_timeout=6)
    through = Store(proxy.url(pg_url))
    holder = PostgresLease(through, limits=limits, margin=0.5)
    other = Store(pg_url)
    waiting = PostgresLease(other)
    assert holder.acquire()
    pid = lock_holder(other)
    clock = _on(holder, ob, idle / 12)  # confirming well inside the limit
    age = text(
        "SELECT extract(epoch FROM now() - backend_start) FROM pg_stat_activity WHERE pid = :p"
    )
    try:
        with other.engine.connect() as conn:

            def outlived_the_limit() -> bool:
                assert not waiting.acquire(), "the lock was free while its holder lived"
                lived = conn.execute(age, {"p": pid}).scalar()
                conn.rollback()  # a fresh snapshot next time
                assert lived is not None, "the server ended a live holder's session"
                return float(lived) > 3 * idle

            wait_for(outlived_the_limit, "the holder's session to outlive its idle limit")
        assert clock.holds
    finally:
        clock.stop()

    # the same limit ends a holder that goes quiet: nothing confirms it now
    assert holder.acquire()
    wait_for(waiting.acquire, "the quiet holder's session to end")
    assert not holder.held
    waiting.release()
    through.dispose()
    other.dispose()
