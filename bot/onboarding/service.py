"""Who is owed which DM, and what each person ticked; plain functions over a session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store import dialect_of
from bot.store.models import ChecklistTick, OutboxMessage

WELCOME = "welcome"
FOLLOW_UP = "follow_up"
DM_ANSWER = "dm_answer"  # the short answer to someone writing to the bot in its Messages tab


def _insert(session: Session, model: type, **values: Any):
    insert = sqlite_insert if dialect_of(session) == "sqlite" else pg_insert
    return insert(model).values(**values)


def owe(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    kind: str,
    scope: str,
    now: dt.datetime,
    name: str = "",
    due: dt.datetime | None = None,
    body: str = "",
    channel_id: str = "",
    expires: dt.datetime | None = None,
) -> bool:
    """Record a DM owed to someone; False when it was owed already (a duplicate delivery).

    The unique key decides, inside the database, so two processes receiving the same event
    at the same moment still record it once.
    """
    stmt = _insert(
        session,
        OutboxMessage,
        team_id=team_id,
        user_id=user_id,
        kind=kind,
        scope=scope,
        name=name[:200],
        state="pending",
        attempts=0,
        due_at=due or now,
        created_at=now,
        body=body,
        channel_id=channel_id,
        expires_at=expires,
    ).on_conflict_do_nothing(index_elements=["team_id", "user_id", "kind", "scope"])
    # RETURNING, not rowcount: PostgreSQL reports -1 rows for an insert that returns its id
    return session.execute(stmt.returning(OutboxMessage.id)).first() is not None


def wake(
    session: Session, *, team_id: str, user_id: str, kind: str, scope: str, now: dt.datetime
) -> bool:
    """Make a pending DM due now (an invited person has joined: no need to wait for the next
    look); True if one was waiting."""
    woken = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.user_id == user_id,
            OutboxMessage.kind == kind,
            OutboxMessage.scope == scope,
            OutboxMessage.state == "pending",
            OutboxMessage.due_at > now,
        )
        .values(due_at=now)
    )
    return bool(woken.rowcount)


def greeted_as(session: Session, team_id: str, user_id: str) -> str:
    """The name the last welcome or follow-up used, to keep it when the message is redrawn
    (notices and answers greet nobody by name)."""
    return (
        session.scalar(
            select(OutboxMessage.name)
            .where(
                OutboxMessage.team_id == team_id,
                OutboxMessage.user_id == user_id,
                OutboxMessage.kind.in_((WELCOME, FOLLOW_UP)),
                OutboxMessage.state == "sent",
            )
            .order_by(OutboxMessage.sent_at.desc())
            .limit(1)
        )
        or ""
    )


def ticks(session: Session, team_id: str, user_id: str) -> set[str]:
    return set(
        session.scalars(
            select(ChecklistTick.item).where(
                ChecklistTick.team_id == team_id, ChecklistTick.user_id == user_id
            )
        )
    )


def set_tick(
    session: Session, team_id: str, user_id: str, item: str, done: bool, now: dt.datetime
) -> None:
    """Tick or untick; saying the same twice (a double click, a retry) changes nothing."""
    if done:
        session.execute(
            _insert(
                session, ChecklistTick, team_id=team_id, user_id=user_id, item=item, ticked_at=now
            ).on_conflict_do_nothing(index_elements=["team_id", "user_id", "item"])
        )
    else:
        session.execute(
            delete(ChecklistTick).where(
                ChecklistTick.team_id == team_id,
                ChecklistTick.user_id == user_id,
                ChecklistTick.item == item,
            )
        )


def owe_follow_ups(session: Session, now: dt.datetime, after: dt.timedelta) -> int:
    """One follow-up, ever, to each person welcomed `after` ago who has ticked nothing."""
    ticked = exists().where(
        ChecklistTick.team_id == OutboxMessage.team_id,
        ChecklistTick.user_id == OutboxMessage.user_id,
    )
    quiet = session.execute(
        select(OutboxMessage.team_id, OutboxMessage.user_id, OutboxMessage.name)
        .where(
            OutboxMessage.kind == WELCOME,
            OutboxMessage.state == "sent",
            OutboxMessage.sent_at <= now - after,
            ~ticked,
        )
        .distinct()
    ).all()
    owed = 0
    for team_id, user_id, name in quiet:
        owed += owe(
            session,
            team_id=team_id,
            user_id=user_id,
            kind=FOLLOW_UP,
            scope="once",
            name=name,
            now=now,
        )
    return owed
