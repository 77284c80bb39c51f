"""Persistence: engine and sessions, typed models, Alembic migrations."""

from bot.store.engine import Store, normalize_url

__all__ = ["Store", "normalize_url"]
