"""Processes starting together on one fresh SQLite file (`serve` and `clock`) take turns on its
migrations, as replicas on PostgreSQL take turns on an advisory lock."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import Store


def _upgrade(url: str, start: Barrier) -> None:
    store = Store(url)  # as a process opens it at start: with the request's busy timeout
    start.wait()  # both processes migrate at the same moment
    store.upgrade()
    store.dispose()


@pytest.mark.slow
def test_processes_migrating_one_fresh_sqlite_file_at_once_all_succeed(tmp_path: Path):
    processes = 3  # serve, clock, and one more
    url = f"sqlite:///{tmp_path / 'wgbot.db'}"
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(processes)
    workers = [spawn.Process(target=_upgrade, args=(url, start)) for _ in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert [w.exitcode for w in workers] == [0] * processes
    store = Store(url)
    try:
        current, head = store.schema_revision()
        assert current == head
        with store.engine.connect() as db:
            assert db.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        store.dispose()
