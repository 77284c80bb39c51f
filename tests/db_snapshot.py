"""The whole database as plain rows, to prove a refused request wrote nothing."""

from __future__ import annotations

from sqlalchemy import select

from bot.store import Store
from bot.store.models import Base


def snapshot(store: Store) -> dict[str, list[tuple]]:
    with store.engine.connect() as db:
        return {
            table.name: sorted((tuple(row) for row in db.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }
