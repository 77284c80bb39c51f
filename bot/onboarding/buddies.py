"""Volunteer buddies: organisers keep the list (`/welcome buddies add|remove|list`), and each
newcomer is paired with the next buddy in turn, in the transaction that owes their welcome, so
a duplicate event, a retry or a second process never pairs anyone twice. The buddy gets one DM
introducing the newcomer, through the outbox. Nothing happens while the list is empty."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store import dialect_of, rowcount
from bot.store.models import Buddy, BuddyPair, Journey

TRIES = 5  # another process took the same turn at the same moment: look again


def _insert(session: Session, model: type, **values: object) -> SqliteInsert | PgInsert:
    insert = sqlite_insert if dialect_of(session) == "sqlite" else pg_insert
    return insert(model).values(**values)


def add(session: Session, team_id: str, user_id: str, by: str, now: dt.datetime) -> bool:
    """False when they are a buddy already. A new buddy joins the round just before whoever
    had the last turn: after those waiting longer, and never owed a backlog of turns."""
    level = session.scalar(
        select(func.coalesce(func.max(Buddy.last_turn), 0)).where(Buddy.team_id == team_id)
    )
    added = session.execute(
        _insert(
            session,
            Buddy,
            team_id=team_id,
            user_id=user_id,
            added_by=by,
            added_at=now,
            last_turn=max(0, (level or 0) - 1),
        )
        .on_conflict_do_nothing(index_elements=["team_id", "user_id"])
        .returning(Buddy.user_id)
    ).first()
    return added is not None


def remove(session: Session, team_id: str, user_id: str) -> bool:
    """No more newcomers for them; those already paired keep their buddy."""
    gone = session.execute(delete(Buddy).where(Buddy.team_id == team_id, Buddy.user_id == user_id))
    return bool(rowcount(gone))


def listed(session: Session, team_id: str) -> list[tuple[str, int]]:
    """(buddy, how many newcomers they were paired with), in the order of their next turn.
    Only newcomers whose welcome went out count (a channel joiner may have been a bot)."""
    counts = dict(
        session.execute(
            select(BuddyPair.buddy_id, func.count())
            .join(
                Journey,
                (Journey.team_id == BuddyPair.team_id) & (Journey.user_id == BuddyPair.newcomer_id),
            )
            .where(BuddyPair.team_id == team_id)
            .group_by(BuddyPair.buddy_id)
        ).all()
    )
    buddies = session.scalars(
        select(Buddy.user_id)
        .where(Buddy.team_id == team_id)
        .order_by(Buddy.last_turn, Buddy.added_at, Buddy.user_id)
    ).all()
    return [(b, counts.get(b, 0)) for b in buddies]


def pair(session: Session, team_id: str, newcomer_id: str, now: dt.datetime) -> str:
    """Pair a newcomer with the buddy whose turn it is; "" when there is no buddy (or the only
    one is the newcomer). Call it in the transaction that owes the newcomer's first welcome.

    The turn is taken by a conditional UPDATE: two processes that read the same buddy at the
    same moment cannot both take that turn (the second updates nothing and looks again)."""
    for _ in range(TRIES):
        candidate = session.execute(
            select(Buddy.user_id, Buddy.last_turn)
            .where(Buddy.team_id == team_id, Buddy.user_id != newcomer_id)
            .order_by(Buddy.last_turn, Buddy.added_at, Buddy.user_id)
            .limit(1)
        ).first()
        if candidate is None:
            return ""
        buddy_id, seen = candidate
        turn = (
            session.scalar(
                select(func.coalesce(func.max(Buddy.last_turn), 0)).where(Buddy.team_id == team_id)
            )
            or 0
        ) + 1
        taken = session.execute(
            update(Buddy)
            .where(Buddy.team_id == team_id, Buddy.user_id == buddy_id, Buddy.last_turn == seen)
            .values(last_turn=turn)
        )
        if not rowcount(taken):
            continue
        paired = session.execute(
            _insert(
                session,
                BuddyPair,
                team_id=team_id,
                newcomer_id=newcomer_id,
                buddy_id=buddy_id,
                turn=turn,
                paired_at=now,
            )
            .on_conflict_do_nothing(index_elements=["team_id", "newcomer_id"])
            .returning(BuddyPair.buddy_id)
        ).first()
        return buddy_id if paired is not None else ""
    return ""


def buddy_of(session: Session, team_id: str, newcomer_id: str) -> str:
    return (
        session.scalar(
            select(BuddyPair.buddy_id).where(
                BuddyPair.team_id == team_id, BuddyPair.newcomer_id == newcomer_id
            )
        )
        or ""
    )


def intro_text(group: str, newcomer_id: str) -> str:
    """The buddy's one DM: who joined, and what being their buddy means."""
    return (
        f"<@{newcomer_id}> has just joined {group}, and you are their buddy. "
        "A short hello in a DM goes a long way: ask what brings them here, and point them "
        "to a first call or a thread worth reading."
    )
