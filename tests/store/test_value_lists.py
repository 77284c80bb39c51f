"""in_list(): any number of values in one parameter, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.store import dialect_of
from bot.store.models import Talk
from bot.store.value_lists import in_list, list_param


def test_more_ids_than_sqlite_has_parameters(seeded):
    with seeded.engine.connect() as db:
        dialect = dialect_of(db)
        ids = sorted(db.scalars(select(Talk.id)))
        wanted = [*ids[::2], *range(10**6, 10**6 + 40_000)]  # 40,000 ids that match nothing
        stmt = select(func.count()).where(in_list(Talk.id, "ids", dialect))
        found = db.scalar(stmt, {"ids": list_param(dialect, wanted)})
    assert found == len(ids[::2])


def test_dates_and_strings(seeded):
    with seeded.engine.connect() as db:
        dialect = dialect_of(db)
        day = dt.date(2024, 3, 19)
        expected = db.scalar(
            select(func.count()).where(Talk.day == day, Talk.format.in_(["panel", "lightning"]))
        )
        stmt = select(func.count()).where(
            in_list(Talk.day, "days", dialect), in_list(Talk.format, "formats", dialect)
        )
        params = {
            "days": list_param(dialect, [day, dt.date(1999, 1, 1)]),
            "formats": list_param(dialect, {"panel", "lightning"}),
        }
        assert db.scalar(stmt, params) == expected > 0
