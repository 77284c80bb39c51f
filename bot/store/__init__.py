"""Persistence: engine and sessions, typed models, Alembic migrations."""

from bot.store.engine import (
    REQUEST_TIMEOUT,
    DatabaseBusy,
    Db,
    Store,
    dialect_of,
    normalize_url,
    rowcount,
)

__all__ = [
    "REQUEST_TIMEOUT",
    "DatabaseBusy",
    "Db",
    "Store",
    "dialect_of",
    "normalize_url",
    "rowcount",
]
