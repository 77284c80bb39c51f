"""Following a talk: told by DM when an import moves it, renames it or withdraws it.

This module keeps who follows what; the importer compares the followed talks before and after
it writes and owes the DMs (bot/importers/follow_notices.py), so a feature never imports
another.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store import dialect_of
from bot.store.models import Conference, Talk, TalkFollow


def _talk(session: Session, talk_id: int) -> tuple[str, str, str] | None:
    """(title, source id, conference slug) of a talk, or None when it is gone."""
    row = session.execute(
        select(Talk.title, Talk.source_id, Conference.slug)
        .join(Conference, Conference.id == Talk.conference_id)
        .where(Talk.id == talk_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def follow(session: Session, team_id: str, user_id: str, talk_id: int, now: dt.datetime) -> str:
    """Follow a talk; returns its title ("" when the talk is gone). Twice is the same as once."""
    row = _talk(session, talk_id)
    if row is None:
        return ""
    title, source_id, conference = row
    insert = sqlite_insert if dialect_of(session) == "sqlite" else pg_insert
    session.execute(
        insert(TalkFollow)
        .values(
            team_id=team_id,
            user_id=user_id,
            conference=conference,
            source_id=source_id,
            created_at=now,
        )
        .on_conflict_do_nothing()
    )
    return title


def unfollow(session: Session, team_id: str, user_id: str, talk_id: int) -> str:
    row = _talk(session, talk_id)
    if row is None:
        return ""
    session.execute(
        delete(TalkFollow).where(
            TalkFollow.team_id == team_id,
            TalkFollow.user_id == user_id,
            TalkFollow.conference == row[2],
            TalkFollow.source_id == row[1],
        )
    )
    return row[0]


def state(session: Session, team_id: str, user_id: str, talk_id: int) -> tuple[str, bool]:
    """(the talk's title or "" if gone, whether this person follows it)."""
    row = _talk(session, talk_id)
    if row is None:
        return "", False
    found = session.scalar(
        select(TalkFollow.user_id).where(
            TalkFollow.team_id == team_id,
            TalkFollow.user_id == user_id,
            TalkFollow.conference == row[2],
            TalkFollow.source_id == row[1],
        )
    )
    return row[0], found is not None
