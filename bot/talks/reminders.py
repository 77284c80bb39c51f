"""A DM 10 minutes before each talk someone follows: once, and never after it has begun.

The elected clock calls `TalkReminders.tick()` every minute. It owes a reminder, in the DM
outbox, to each follower of a talk that starts within the next LEAD; the outbox's unique
(person, kind, scope) key, whose scope names the talk and its start time, makes it once per
person and start, however many ticks or processes see it. Each row expires when the talk
begins, and the sender skips an expired row rather than send it late.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import and_, select

from bot.delivery import outbox
from bot.delivery.outbox import REMINDER
from bot.slack.mrkdwn import escape, link
from bot.store import Store
from bot.store.models import Conference, Talk, TalkFollow
from bot.talks.talk_blocks import when
from bot.times import Clock

log = logging.getLogger(__name__)

LEAD = dt.timedelta(minutes=10)


class Nudgeable(Protocol):
    nudge: Callable[[], None]


def reminder_text(title: str, url: str | None, starts_at: dt.datetime, timezone: str,
                  room: str | None, speakers: str) -> str:  # fmt: skip
    """The DM: what, when (a date token), where and who; imported text escaped."""
    lines = [f"Starting soon, a talk you follow: *{link(url, title)}*"]
    lines.append(f"{when(starts_at, None, timezone)}" + (f" · {escape(room)}" if room else ""))
    if speakers:
        lines.append(escape(speakers))
    return "\n".join(lines)


def owe_reminders(store: Store, now: dt.datetime, lead: dt.timedelta = LEAD) -> int:
    """Owe a reminder to each follower of a talk starting in (now, now + lead]."""
    owed = 0
    with store.session() as s:
        rows = s.execute(
            select(
                TalkFollow.team_id,
                TalkFollow.user_id,
                Conference.slug,
                Conference.timezone,
                Talk.source_id,
                Talk.title,
                Talk.url,
                Talk.starts_at,
                Talk.room,
                Talk.speakers_line,
            )
            .join(Conference, Conference.slug == TalkFollow.conference)
            .join(
                Talk,
                and_(Talk.conference_id == Conference.id, Talk.source_id == TalkFollow.source_id),
            )
            .where(Talk.starts_at > now, Talk.starts_at <= now + lead)
        ).all()
        for team, user, conference, tz, source_id, title, url, starts, room, speakers in rows:
            if starts is None:  # the query asks for a start; this tells the type checker
                continue
            talk = hashlib.sha256(f"{conference}\0{source_id}".encode()).hexdigest()[:16]
            owed += outbox.owe(
                s,
                team_id=team,
                user_id=user,
                kind=REMINDER,
                # once per person, talk and start time: a talk moved later is reminded again
                scope=f"remind:{talk}:{int(starts.timestamp())}",
                name="-",  # greets nobody by name: no users.info needed
                now=now,
                body=reminder_text(title, url, starts, tz, room, speakers),
                expires=starts,
            )
    return owed


class TalkReminders:
    """The clock's job: owe what is due, then have the sender deliver it now."""

    def __init__(self, store: Store, clock: Clock, sender: Nudgeable) -> None:
        self.store, self.clock, self.sender = store, clock, sender

    def tick(self) -> int:
        owed = owe_reminders(self.store, self.clock())
        if owed:
            log.info("%d talk reminders owed", owed)
            self.sender.nudge()
        return owed
