"""What the page's clock buttons would jump over: the lean coffee's next transitions and the
onboarding steps falling due, read from the store. A jump runs them all at once, so someone
who presses "+1 week" should know they skip the days for proposing and voting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.onboarding.content import Step
from bot.onboarding.journey import due_at
from bot.onboarding.service import greeted_as
from bot.store.models import CoffeeMeetup, Journey, OutboxMessage
from bot.store.states import MeetupState, OutboxKind, OutboxState

Event = tuple[dt.datetime, str]

OPEN = (MeetupState.SCHEDULED, MeetupState.COLLECTING, MeetupState.VOTING)


def upcoming(
    db: Session, now: dt.datetime, until: dt.datetime, journey: Sequence[Step] = ()
) -> list[Event]:
    """What falls due after `now` up to `until`, earliest first."""
    events: list[Event] = []
    for m in db.scalars(select(CoffeeMeetup).where(CoffeeMeetup.state.in_(OPEN))):
        for at, what in (
            (m.collect_at, "lean coffee opens for topics"),
            (m.vote_at, "lean coffee voting opens"),
            (m.starts_at, "lean coffee meets"),
        ):
            if now < at <= until:
                events.append((at, what))
    # a journey's steps are owed on the scheduler's next look: read them from the journey
    done = {
        (user, step)
        for user, step in db.execute(
            select(OutboxMessage.user_id, OutboxMessage.scope).where(
                OutboxMessage.kind == OutboxKind.STEP,
                OutboxMessage.state != OutboxState.PENDING,
            )
        )
    }
    for j in db.scalars(select(Journey).where(Journey.stopped_at.is_(None))):
        for step in journey:
            due = due_at(j.started_at, step, j.tz)
            if now < due <= until and (j.user_id, step.id) not in done:
                name = greeted_as(db, j.team_id, j.user_id) or "a newcomer"
                events.append((due, f"{name}'s onboarding step {step.id}"))
    return sorted(events)


def skipped(
    db: Session, now: dt.datetime, steps: dict[str, dt.timedelta], journey: Sequence[Step] = ()
) -> dict[str, list[dict[str, str]]]:
    """For each step of the clock, what it would jump over (read once, for the longest)."""
    events = upcoming(db, now, now + max(steps.values()), journey)
    return {
        name: [{"at": at.isoformat(), "what": what} for at, what in events if at <= now + size]
        for name, size in steps.items()
    }
