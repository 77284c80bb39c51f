"""What organisers see of onboarding, and what they may do about it: the funnel (who was
welcomed, what they ticked, who asked for no more) and the DMs in trouble, which they may
retry or mark as sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.onboarding.service import FIRST, STEP, WELCOME, start_journey
from bot.store.models import BuddyPair, ChecklistTick, Journey, OutboxMessage, ScheduleFeed
from bot.store.states import OutboxKind, OutboxState


@dataclass
class Newcomer:
    """One recent newcomer as organisers see them."""

    user_id: str
    name: str  # as the welcome greeted them, unescaped; "" when not known
    welcomed_at: dt.datetime
    ticked: int
    stopped_at: dt.datetime | None
    steps: list[OutboxMessage] = field(default_factory=list)  # their journey's rows, by due
    buddy: str = ""  # the buddy they were paired with, if any


@dataclass
class Funnel:
    """Onboarding at a glance for one workspace."""

    week: int = 0  # people welcomed in the last 7 days
    month: int = 0  # and in the last 30
    items: dict[str, int] = field(default_factory=dict)  # of the month's: who ticked each item
    progress: dict[int, int] = field(default_factory=dict)  # of the month's: n ticked -> people
    stopped: int = 0  # of the month's: asked for no more steps
    outbox: dict[str, int] = field(default_factory=dict)  # rows by state
    oldest_due: dt.datetime | None = None  # the longest-waiting pending DM
    trouble: list[OutboxMessage] = field(default_factory=list)  # failed or unknown, newest first
    # schedule feeds whose last check failed (wgbot feeds): the workspace's catalog is shared
    failing_feeds: list[ScheduleFeed] = field(default_factory=list)
    # the most recent of the month's newcomers, newest first, and how many more there are
    newcomers: list[Newcomer] = field(default_factory=list)
    newcomers_more: int = 0
    # what was skipped and why: (kind, scope, reason) -> rows
    skipped: dict[tuple[str, str, str], int] = field(default_factory=dict)


TROUBLE_SHOWN = 10
NEWCOMERS_SHOWN = 20  # a Home holds 100 blocks: the rest are counted, not listed


def funnel(session: Session, team_id: str, now: dt.datetime) -> Funnel:
    month_ago, week_ago = now - dt.timedelta(days=30), now - dt.timedelta(days=7)
    people = session.execute(
        select(Journey.user_id, Journey.started_at, Journey.stopped_at).where(
            Journey.team_id == team_id, Journey.started_at >= month_ago
        )
    ).all()
    f = Funnel()
    f.month = len(people)
    f.week = sum(1 for _, started, _ in people if started >= week_ago)
    f.stopped = sum(1 for *_, stopped in people if stopped is not None)
    welcomed = {user for user, *_ in people}
    per_person: dict[str, int] = dict.fromkeys(welcomed, 0)
    for user, item in session.execute(
        select(ChecklistTick.user_id, ChecklistTick.item).where(ChecklistTick.team_id == team_id)
    ):
        if user in welcomed:
            f.items[item] = f.items.get(item, 0) + 1
            per_person[user] += 1
    for n in per_person.values():
        f.progress[n] = f.progress.get(n, 0) + 1
    f.newcomers, f.newcomers_more = _newcomers(
        session, team_id, [(u, started, stopped) for u, started, stopped in people], per_person
    )
    f.skipped = {
        (str(kind), scope if kind == OutboxKind.STEP else "", reason): count
        for kind, scope, reason, count in session.execute(
            select(OutboxMessage.kind, OutboxMessage.scope, OutboxMessage.last_error, func.count())
            .where(OutboxMessage.team_id == team_id, OutboxMessage.state == OutboxState.SKIPPED)
            .group_by(OutboxMessage.kind, OutboxMessage.scope, OutboxMessage.last_error)
        )
    }
    f.outbox = dict(
        session.execute(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.team_id == team_id)
            .group_by(OutboxMessage.state)
        ).all()
    )
    oldest = session.scalar(
        select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.due_at <= now,
        )
    )
    f.oldest_due = oldest
    f.trouble = list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.team_id == team_id,
                OutboxMessage.state.in_((OutboxState.FAILED, OutboxState.UNKNOWN)),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(TROUBLE_SHOWN)
        )
    )
    for row in f.trouble:
        session.expunge(row)
    f.failing_feeds = list(
        session.scalars(
            select(ScheduleFeed)
            .where(ScheduleFeed.failures > 0)
            .order_by(ScheduleFeed.url)
            .limit(TROUBLE_SHOWN)
        )
    )
    for feed in f.failing_feeds:
        session.expunge(feed)
    return f


def _newcomers(
    session: Session,
    team_id: str,
    people: Sequence[tuple[str, dt.datetime, dt.datetime | None]],
    ticked: dict[str, int],
) -> tuple[list[Newcomer], int]:
    recent = sorted(people, key=lambda p: (p[1], p[0]), reverse=True)[:NEWCOMERS_SHOWN]
    users = [user for user, *_ in recent]
    names = dict(
        session.execute(
            select(OutboxMessage.user_id, OutboxMessage.name).where(
                OutboxMessage.team_id == team_id,
                OutboxMessage.user_id.in_(users),
                OutboxMessage.kind == WELCOME,
                OutboxMessage.scope == FIRST,
            )
        ).all()
    )
    steps: dict[str, list[OutboxMessage]] = {}
    for row in session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.user_id.in_(users),
            OutboxMessage.kind == STEP,
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
    ):
        session.expunge(row)
        steps.setdefault(row.user_id, []).append(row)
    paired = dict(
        session.execute(
            select(BuddyPair.newcomer_id, BuddyPair.buddy_id).where(
                BuddyPair.team_id == team_id, BuddyPair.newcomer_id.in_(users)
            )
        ).all()
    )
    shown = [
        Newcomer(
            user,
            names.get(user, ""),
            started,
            ticked.get(user, 0),
            stopped,
            steps.get(user, []),
            paired.get(user, ""),
        )
        for user, started, stopped in recent
    ]
    return shown, len(people) - len(shown)


def retry(session: Session, team_id: str, row_id: int, now: dt.datetime) -> bool:
    """An organiser retries a failed or unknown DM: due now, with fresh attempts."""
    done = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.team_id == team_id,
            OutboxMessage.state.in_((OutboxState.FAILED, OutboxState.UNKNOWN)),
        )
        .values(state=OutboxState.PENDING, due_at=now, attempts=0, claimed_until=None)
        .returning(OutboxMessage.id)
    ).first()
    return done is not None


def mark_sent(session: Session, team_id: str, row_id: int, by: str, now: dt.datetime) -> bool:
    """An organiser saw that a DM went out after all: it counts as sent (a first welcome's
    journey begins) and is never retried."""
    row = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.team_id == team_id,
            OutboxMessage.state.in_((OutboxState.FAILED, OutboxState.UNKNOWN)),
        )
        .values(
            state=OutboxState.SENT,
            sent_at=now,
            claimed_until=None,
            last_error=f"marked sent by {by}",
        )
        .returning(OutboxMessage.id)
    ).first()
    if row is None:
        return False
    marked = session.get(OutboxMessage, row_id)
    # a first welcome whose DM was opened: its journey begins, the steps know where to go
    if marked is not None and (marked.kind, marked.scope) == (WELCOME, FIRST) and marked.channel_id:
        start_journey(session, marked, tz=marked.tz, channel_id=marked.channel_id, now=now)
    return True
