"""Voting's last call: one channel post an hour before voting closes, saying how many people
have voted so far ("Voting closes in 1 hour: 7 people have voted so far"). No DMs.

It goes only when voting has been open at least that long by then (a meetup whose voting
lasts two hours or more), and is claimed by one conditional update on the meetup, owed in
the same transaction: whatever clocks run, it is posted once. A series whose own reminders
(`remind`) include one in that last hour gets that one instead, with the same count. A bot
down for the whole last hour posts nothing; one back within it says the minutes left.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.coffee.board_state import aware
from bot.coffee.service import rowcount
from bot.slack.blocks import section
from bot.slack.dates import date_token
from bot.slack.replies import Reply
from bot.store.models import CoffeeMeetup

BEFORE = dt.timedelta(hours=1)  # when the post goes, before voting closes


def due(s: CoffeeMeetup, reminders: tuple[int, ...], now: dt.datetime) -> bool:
    """`reminders`: the series' own, in minutes before the start; one in the last hour stands
    in for the last call (a reminder during voting says the count too)."""
    starts, opens = aware(s.starts_at), aware(s.vote_at)
    return (
        s.state == "voting"
        and not any(m <= BEFORE.total_seconds() // 60 for m in reminders)
        and not s.closing_reminded
        and starts - opens >= 2 * BEFORE  # open at least an hour before the call
        and starts - BEFORE <= now < starts
    )


def claim(db: Session, s: CoffeeMeetup, reminders: tuple[int, ...], now: dt.datetime) -> int | None:
    """The minutes left when this caller claimed the last call, or None (not due, or
    another caller claimed it)."""
    if not due(s, reminders, now):
        return None
    claimed = db.execute(
        update(CoffeeMeetup)
        .where(
            CoffeeMeetup.id == s.id,
            CoffeeMeetup.state == "voting",
            CoffeeMeetup.closing_reminded.is_(False),
        )
        .values(closing_reminded=True)
    )
    if rowcount(claimed) != 1:
        return None
    return max(1, math.ceil((aware(s.starts_at) - now).total_seconds() / 60))


def message(s: CoffeeMeetup, tz: str, minutes: int, voters: int) -> Reply:
    """Drawn when it is sent: the count is the one at that moment."""
    left = "1 hour" if minutes >= 55 else f"{minutes} minute{'s' if minutes != 1 else ''}"
    people = f"{voters} {'person has' if voters == 1 else 'people have'} voted so far"
    if voters == 0:
        people = "nobody has voted yet"
    text = f"Voting closes in {left}: {people}."
    more = (
        f"Lean coffee starts {date_token(s.starts_at, tz)}. Cast your votes on the voting "
        "message above (the Vote buttons)."
    )
    return Reply(text, [section(f"*{text}*\n{more}")])
