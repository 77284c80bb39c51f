"""The engine bounds every wait on the database and finds dead pooled connections for free."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.bootstrap import open_store
from bot.config import IsolatedSettings, load_settings
from bot.store import REQUEST_TIMEOUT, Store
from tests.db_faults import Proxy, kill_bot_connections

HUNG = 60.0  # seconds: a guard against a hang far beyond the read's bound, not a measure


@pytest.fixture
def request_store(store: Store) -> Iterator[Store]:
    """A store as request handling opens it (after the suite's store made the schema)."""
    s = Store(store.url)
    yield s
    s.dispose()


def setting(store: Store, sql: str) -> str:
    with store.engine.connect() as db:
        return str(db.execute(text(sql)).scalar())


def test_a_request_store_bounds_statements_and_a_batch_store_does_not(store, request_store):
    unbounded = Store(store.url, timeout=None)
    try:
        if store.dialect == "sqlite":
            assert setting(request_store, "PRAGMA busy_timeout") == str(int(REQUEST_TIMEOUT * 1000))
            assert setting(unbounded, "PRAGMA busy_timeout") == "60000"
        else:
            assert setting(request_store, "SHOW statement_timeout") == "2s"
            assert setting(unbounded, "SHOW statement_timeout") == "0"
            assert setting(request_store, "SHOW application_name") == "wgbot"
    finally:
        unbounded.dispose()


def test_migrations_run_without_the_request_timeout(request_store):
    # already at head: this proves upgrade() opens and closes its own unbounded engine cleanly
    request_store.upgrade()
    with request_store.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


@pytest.mark.postgres  # a SQLite connection cannot be closed by a server
def test_a_pooled_connection_the_server_closed_is_replaced_without_an_error(db_url, request_store):
    with request_store.engine.connect() as db:  # one connection, back in the pool afterwards
        first = db.execute(text("SELECT pg_backend_pid()")).scalar()
    assert kill_bot_connections(db_url) >= 1
    # no ping went before this statement, yet it does not fail on the dead connection
    with request_store.engine.connect() as db:
        second = db.execute(text("SELECT pg_backend_pid()")).scalar()
    assert second != first


def test_the_pool_budget_is_a_setting_that_reaches_the_engine(monkeypatch, store):
    monkeypatch.setenv("DATABASE_URL", store.url)
    monkeypatch.setenv("WGBOT_DB_POOL_SIZE", "3")
    monkeypatch.setenv("WGBOT_DB_MAX_OVERFLOW", "2")
    bounded = open_store(load_settings(), seed=False)
    try:
        assert bounded.engine.pool.size() == 3
        held = [bounded.engine.connect() for _ in range(5)]  # the pool's 3, then 2 overflow
        assert bounded.engine.pool.overflow() == 2
        for conn in held:
            conn.close()
    finally:
        bounded.dispose()


def test_three_replicas_and_a_clock_fit_postgresql_default_max_connections():
    defaults = IsolatedSettings()
    per_process = defaults.db_pool_size + defaults.db_max_overflow  # the lease's among them
    migrating = 2  # upgrade()'s own engine at start: the advisory lock's and Alembic's
    # 100 less the 3 PostgreSQL keeps for superusers, with room for `wgbot import` and psql
    assert 4 * (per_process + migrating) <= 100 - 3 - 5


@pytest.fixture
def pg_url(db_url: str) -> str:
    if not db_url.startswith("postgres"):
        pytest.skip("a relay that can silence the database stands before PostgreSQL")
    return db_url


def test_a_streamed_read_whose_server_stops_answering_is_given_up_not_waited_on(pg_url):
    """A streamed result (yield_per: a server-side cursor) fetches its later rows with no
    statement of SQLAlchemy's: the watchdog still bounds them, so a load whose database goes
    silent mid-read fails (and its thread ends) instead of waiting for good."""
    relay = Proxy.to(pg_url)
    store = Store(relay.url(pg_url), timeout=0.2)  # a streamed read bounded at 7 s
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            with store.engine.connect() as conn, conn.begin():
                rows = conn.execute(
                    text("SELECT generate_series(1, 100000)").execution_options(yield_per=100)
                )
                next(iter(rows))  # the first rows came
                relay.frozen.set()
                for _ in rows:  # the next fetch meets a server that never answers
                    pass
        except BaseException as exc:  # what ended the read is what the test checks
            outcome.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    try:
        worker.start()
        worker.join(HUNG)
        assert not worker.is_alive(), f"the read still waited on the database after {HUNG} s"
        assert outcome and isinstance(outcome[0], OperationalError), outcome
    finally:
        store.dispose()
        relay.close()
