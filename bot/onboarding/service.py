"""Who is owed which DM, what each person ticked, and where their journey stands; plain
functions over a session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.delivery.outbox import owe
from bot.onboarding.content import Content
from bot.onboarding.journey import due_at
from bot.store import dialect_of, rowcount
from bot.store.models import ChecklistTick, Journey, OutboxMessage
from bot.store.states import OutboxKind, OutboxState

WELCOME = OutboxKind.WELCOME
STEP = OutboxKind.STEP  # one DM of the journey; its scope is the step's id
FOLLOW_UP = OutboxKind.FOLLOW_UP
# the short answer to someone writing to the bot in its Messages tab
DM_ANSWER = OutboxKind.DM_ANSWER
# a buddy's introduction to their newcomer: owed with the welcome, sent once the welcome is out
BUDDY_INTRO = OutboxKind.BUDDY_INTRO
BUDDY_WAIT = dt.timedelta(days=30)  # a welcome not out by then (never joined): no introduction

FIRST = "first"  # the scope of the one first welcome per person, whatever the trigger
RESEND_EVERY = dt.timedelta(hours=1)  # /welcome sends the welcome again at most this often
STOPPED = "asked for no more"

__all__ = ["owe"]  # owed through the delivery outbox; kept here for onboarding's callers


def _insert(session: Session, model: type, **values: Any) -> SqliteInsert | PgInsert:
    insert = sqlite_insert if dialect_of(session) == "sqlite" else pg_insert
    return insert(model).values(**values)


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
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.due_at > now,
        )
        .values(due_at=now)
    )
    return bool(rowcount(woken))


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
                OutboxMessage.state == OutboxState.SENT,
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
            OutboxMessage.state == OutboxState.SENT,
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


def owe_first_welcome(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    via: str,
    now: dt.datetime,
    name: str = "",
    tz: str = "",
    due: dt.datetime | None = None,
) -> bool:
    """The one first welcome of a person: both triggers (joining the workspace, joining a
    channel), their duplicates and retries all land on the same key, so the first one wins."""
    return owe(
        session,
        team_id=team_id,
        user_id=user_id,
        kind=WELCOME,
        scope=FIRST,
        name=name,
        now=now,
        due=due,
        body=via,
        tz=tz,
    )


def owe_resend(
    session: Session, *, team_id: str, user_id: str, now: dt.datetime
) -> dt.datetime | None:
    """/welcome: owe the welcome again, unless one was asked for within the hour. Returns None
    when owed, or when the next one may be asked for. The hour's key keeps two racing requests
    to one row; the look back keeps requests either side of a full hour apart."""
    last = session.scalar(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.user_id == user_id,
            OutboxMessage.kind == WELCOME,
            OutboxMessage.scope.like("resend:%"),
        )
    )
    if last is not None and now - last < RESEND_EVERY:
        return last + RESEND_EVERY
    owed = owe(
        session,
        team_id=team_id,
        user_id=user_id,
        kind=WELCOME,
        scope=f"resend:{now.astimezone(dt.UTC):%Y-%m-%dT%H}",
        now=now,
    )
    return None if owed else now.replace(minute=0, second=0, microsecond=0) + RESEND_EVERY


def start_journey(
    session: Session, row: OutboxMessage, *, tz: str, channel_id: str, now: dt.datetime
) -> bool:
    """The first welcome went out: the journey begins (once per person, the journey's key).
    Its steps are owed by owe_steps, on the scheduler's next look."""
    started = session.execute(
        _insert(
            session,
            Journey,
            team_id=row.team_id,
            user_id=row.user_id,
            via=row.body[:80],
            tz=tz[:64],
            channel_id=channel_id,
            started_at=now,
        )
        .on_conflict_do_nothing(index_elements=["team_id", "user_id"])
        .returning(Journey.user_id)
    ).first()
    if started is not None:  # their buddy's introduction waited for a welcome that went out
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.team_id == row.team_id,
                OutboxMessage.kind == BUDDY_INTRO,
                OutboxMessage.scope == buddy_scope(row.user_id),
                OutboxMessage.state == OutboxState.PENDING,
            )
            .values(due_at=now, expires_at=None)
        )
    return started is not None


def buddy_scope(newcomer_id: str) -> str:
    """The key of a buddy's one introduction to a newcomer."""
    return f"buddy:{newcomer_id}"


LATE = dt.timedelta(hours=12)  # a step due this long ago is still sent (the bot was down)


def owe_steps(session: Session, content: Content, now: dt.datetime) -> int:
    """Owe each journey under way the steps it has not been owed yet, due at their local hour:
    all of them for a journey just begun, and steps organisers add later to journeys whose
    day for them is still ahead (never one long past, never out of order). Idempotent: the
    outbox key holds one row per person and step."""
    last_day = max((s.day for s in content.journey), default=0)
    journeys = session.scalars(
        select(Journey).where(
            Journey.stopped_at.is_(None),
            Journey.started_at >= now - dt.timedelta(days=last_day + 1),
        )
    ).all()
    owed_already = {
        (team, user, scope)
        for team, user, scope in session.execute(
            select(OutboxMessage.team_id, OutboxMessage.user_id, OutboxMessage.scope).where(
                OutboxMessage.kind == STEP,
                OutboxMessage.created_at >= now - dt.timedelta(days=last_day + 1),
            )
        )
    }
    owed = 0
    for j in journeys:
        name = ""
        for step in content.journey:
            due = due_at(j.started_at, step, j.tz)
            if due < now - LATE or (j.team_id, j.user_id, step.id) in owed_already:
                continue
            name = name or greeted_as(session, j.team_id, j.user_id) or "-"
            owed += owe(
                session,
                team_id=j.team_id,
                user_id=j.user_id,
                kind=STEP,
                scope=step.id,
                name=name,
                now=now,
                due=due,
                channel_id=j.channel_id,
                tz=j.tz,
            )
    return owed


def stop_journey(session: Session, team_id: str, user_id: str, now: dt.datetime) -> int:
    """No more steps, at once: the journey is marked stopped and every step still owed is
    skipped. Returns how many steps were skipped."""
    session.execute(
        _insert(
            session,
            Journey,
            team_id=team_id,
            user_id=user_id,
            started_at=now,
            stopped_at=now,
        ).on_conflict_do_nothing(index_elements=["team_id", "user_id"])
    )
    session.execute(
        update(Journey)
        .where(Journey.team_id == team_id, Journey.user_id == user_id, Journey.stopped_at.is_(None))
        .values(stopped_at=now)
    )
    skipped = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.user_id == user_id,
            OutboxMessage.kind == STEP,
            OutboxMessage.state == OutboxState.PENDING,
        )
        .values(state=OutboxState.SKIPPED, last_error=STOPPED)
        .returning(OutboxMessage.id)
    ).all()
    return len(skipped)


def step_skipped(session: Session, content: Content, row: OutboxMessage) -> str:
    """Why a due step is not sent ("" when it is): stopped, gone from the content, or its
    checklist item already done."""
    journey = session.get(Journey, (row.team_id, row.user_id))
    if journey is not None and journey.stopped_at is not None:
        return STOPPED
    step = content.step(row.scope)
    if step is None:
        return "no longer in the content"
    if step.skip_if and step.skip_if in ticks(session, row.team_id, row.user_id):
        return f"already done: {step.skip_if}"
    return ""


def sent_message_at(session: Session, team_id: str, user_id: str, ts: str) -> OutboxMessage | None:
    """The person's welcome or follow-up sent as the message `ts`, if a row still knows it."""
    return session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.user_id == user_id,
            OutboxMessage.kind.in_((WELCOME, FOLLOW_UP)),
            OutboxMessage.message_ts == ts,
        )
        .limit(1)
    ).first()


def sent_messages(session: Session, team_id: str, user_id: str) -> list[OutboxMessage]:
    """The person's welcomes and follow-up as they sit in their DM: what a tick redraws."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.user_id == user_id,
            OutboxMessage.kind.in_((WELCOME, FOLLOW_UP)),
            OutboxMessage.state == OutboxState.SENT,
            OutboxMessage.message_ts != "",
        )
        .order_by(OutboxMessage.id.desc())
        .limit(5)
    ).all()
    for row in rows:
        session.expunge(row)
    return list(rows)
