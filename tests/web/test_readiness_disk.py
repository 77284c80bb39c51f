"""/readyz on SQLite says not ready when the database cannot take a write: a full disk, a
read-only file system or file. Ready means the bot can do its job, not only read."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import Store
from bot.web.server import wsgi_app
from tests.conftest import SIGNING_SECRET
from tests.web.test_health import call


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system of the test's own (needs the right to mount one)."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip("cannot mount a small file system here")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=True)


def _store_on(where: Path) -> Store:
    store = Store(f"sqlite:///{where / 'bot.db'}")
    store.upgrade()
    return store


def _fill(path: Path) -> None:
    with open(path, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass  # full


def test_not_ready_while_the_disk_is_full(app, small_disk: Path):
    store = _store_on(small_disk)
    application = wsgi_app(app, store, SIGNING_SECRET)
    try:
        assert call(application, "/readyz") == (200, "ready\n")
        _fill(small_disk / "filler")
        status, why = call(application, "/readyz")
        assert status == 503 and "the disk holding the database is full" in why
        assert call(application, "/healthz") == (200, "ok\n")  # alive all the same

        (small_disk / "filler").unlink()
        assert call(application, "/readyz") == (200, "ready\n")
    finally:
        store.dispose()


def test_not_ready_on_a_read_only_file_system(app, small_disk: Path):
    store = _store_on(small_disk)
    application = wsgi_app(app, store, SIGNING_SECRET)
    try:
        assert call(application, "/readyz") == (200, "ready\n")
        store.dispose()  # its next connections open the file as it is now
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
        status, why = call(application, "/readyz")
        assert status == 503, why  # WAL's shared-memory file cannot even be opened
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
        store.dispose()
        assert call(application, "/readyz") == (200, "ready\n")
    finally:
        store.dispose()


def test_not_ready_on_a_read_only_database_file(app, tmp_path: Path):
    if os.geteuid() == 0:
        pytest.skip("root writes a file whatever its mode says")
    path = tmp_path / "bot.db"
    store = _store_on(tmp_path)
    with store.engine.begin() as conn:  # leave no write-ahead log to replay: a plain file
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    store.dispose()
    path.chmod(0o444)
    application = wsgi_app(app, store, SIGNING_SECRET)
    try:
        status, why = call(application, "/readyz")
        assert status == 503 and "cannot be written" in why, why
    finally:
        store.dispose()
        path.chmod(0o644)
