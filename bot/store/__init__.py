"""Persistence: engine and sessions, typed models, Alembic migrations."""

from bot.store.engine import Db, Store, dialect_of, normalize_url

__all__ = ["Db", "Store", "dialect_of", "normalize_url"]
