"""What the page's clock buttons would jump over: the lean coffee's next transitions and the
onboarding steps falling due, read from the store. A jump runs them all at once, so someone
who presses "+1 week" should know they skip the days for proposing and voting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import CoffeeMeetup, OutboxMessage
from bot.store.states import MeetupState, OutboxKind, OutboxState

Event = tuple[dt.datetime, str]

OPEN = (MeetupState.SCHEDULED, MeetupState.COLLECTING, MeetupState.VOTING)


def upcoming(db: Session, now: dt.datetime, until: dt.datetime) -> list[Event]:
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
    steps = db.execute(
        select(OutboxMessage.due_at, OutboxMessage.name, OutboxMessage.scope).where(
            OutboxMessage.kind == OutboxKind.STEP,
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.due_at > now,
            OutboxMessage.due_at <= until,
        )
    )
    for due, name, step in steps:
        events.append((due, f"{name or 'a newcomer'}'s onboarding step {step}"))
    return sorted(events)


def skipped(
    db: Session, now: dt.datetime, steps: dict[str, dt.timedelta]
) -> dict[str, list[dict[str, str]]]:
    """For each step of the clock, what it would jump over (read once, for the longest)."""
    events = upcoming(db, now, now + max(steps.values()))
    return {
        name: [{"at": at.isoformat(), "what": what} for at, what in events if at <= now + size]
        for name, size in steps.items()
    }
