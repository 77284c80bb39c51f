"""Timestamps go in as any aware instant and come back aware in UTC, on SQLite as on
PostgreSQL; a naive one is refused. States are written as their strings and read back as
members; a state outside its enum is refused before it reaches the database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from bot.store import Store
from bot.store.models import Journey, OutboxMessage
from bot.store.states import OutboxKind, OutboxState
from bot.times import local_format

PARIS = ZoneInfo("Europe/Paris")


def test_an_instant_comes_back_aware_in_utc_whatever_zone_it_was_written_in(store: Store):
    written = dt.datetime(2024, 3, 21, 10, 0, tzinfo=PARIS)  # 09:00 UTC
    with store.session() as s:
        s.add(Journey(team_id="T1", user_id="U1", started_at=written))
        s.commit()
    with store.session() as s:
        read = s.scalar(select(Journey.started_at))
        # compared in SQL with an instant given in another zone
        found = s.scalar(
            select(Journey.user_id).where(
                Journey.started_at == dt.datetime(2024, 3, 21, 9, 0, tzinfo=dt.UTC)
            )
        )
    assert read == written and read.tzinfo == dt.UTC and read.hour == 9
    assert found == "U1"


def test_a_naive_timestamp_is_refused(store: Store):
    with store.session() as s:
        s.add(Journey(team_id="T1", user_id="U1", started_at=dt.datetime(2024, 3, 21, 9, 0)))
        with pytest.raises(StatementError, match="aware datetime"):
            s.commit()


def test_states_are_stored_as_their_strings_and_read_back_as_members(store: Store):
    now = dt.datetime(2024, 3, 21, 9, 0, tzinfo=dt.UTC)
    with store.session() as s:
        s.add(
            OutboxMessage(
                team_id="T1",
                user_id="U1",
                kind=OutboxKind.WELCOME,
                scope="first",
                due_at=now,
                created_at=now,
            )
        )
        s.commit()
    with store.session() as s:
        row = s.scalars(select(OutboxMessage)).one()
        raw = s.execute(text("SELECT state, kind FROM dm_outbox")).one()
    assert (row.state, row.kind) == (OutboxState.PENDING, OutboxKind.WELCOME)
    assert isinstance(row.state, OutboxState)
    assert tuple(raw) == ("pending", "welcome")  # the stored values of before the enums


def test_a_state_outside_its_enum_is_refused(store: Store):
    now = dt.datetime(2024, 3, 21, 9, 0, tzinfo=dt.UTC)
    with store.session() as s:
        s.add(
            OutboxMessage(
                team_id="T1", user_id="U1", kind="postcard", scope="x", due_at=now, created_at=now
            )
        )
        with pytest.raises(StatementError, match="postcard"):
            s.commit()


def test_local_format_writes_the_day_without_a_leading_zero():
    assert local_format(dt.date(2024, 3, 1), "%a %-d %b %Y") == "Fri 1 Mar 2024"
    assert local_format(dt.datetime(2024, 3, 21, 9, 5), "%-d %B, %H:%M") == "21 March, 09:05"
