"""/healthz (the process lives) and /readyz (it can serve: database answers, schema is current,
and a SQLite file can be written)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.store import Store
from bot.store.engine import DatabaseBusy

log = logging.getLogger(__name__)


def readiness(store: Store, stopping: bool = False) -> tuple[bool, str]:
    """(ready, why): a load balancer sends traffic only where this says ready."""
    if stopping:
        return False, "shutting down"
    try:
        current, head = store.schema_revision()
    except Exception as exc:
        log.warning("readiness: the database does not answer: %s", exc)
        return False, f"database unavailable: {type(exc).__name__}"
    if current != head:
        return (
            False,
            f"schema at {current or 'nothing'}, this code needs {head}: run wgbot db upgrade",
        )
    if store.dialect == "sqlite":
        trouble = _cannot_write(store)
        if trouble:
            log.warning("readiness: %s", trouble)
            return False, trouble
    return True, "ready"


# Below this many free bytes beside a SQLite file, its next writes may fail for want of room.
MIN_FREE = 64 * 1024


def _cannot_write(store: Store) -> str | None:
    """Why this SQLite database cannot take a write now (a full disk, a read-only file or
    directory), or None. A write rolled back straight away: it takes the write lock, never
    changes anything, and touches no disk."""
    database = make_url(store.url).database or ""
    if database and database != ":memory:":
        try:
            free = shutil.disk_usage(Path(database).parent).free
        except OSError as exc:
            return f"the database's directory cannot be read: {exc.strerror}"
        if free < MIN_FREE:
            return f"the disk holding the database is full ({free} bytes free)"
    try:
        with store.writing(), store.engine.connect() as conn:
            try:
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                conn.rollback()
    except DatabaseBusy:
        return None  # another write holds it: busy, not broken
    except OperationalError as exc:
        if "locked" in str(exc.orig):
            return None  # busy, not broken
        return f"the database cannot be written: {exc.orig}"
    return None
