"""Lean coffee's series and meetups over the database (topics: topics.py, dots: dots.py, the
meeting: meeting.py).

Every change that others might race is decided by the database: state moves are conditional
updates (they happen once, whoever tries), and dots fill numbered slots under a primary key,
so no burst of clicks can overspend a budget or lose a vote.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.coffee.schedule import SeriesSettings, next_start
from bot.store.models import CoffeeMeetup, CoffeeSeries

MAX_TOPIC = 200  # characters: a topic is a line on the agenda, not an essay
MAX_TOPICS = 40  # per meetup, carried topics included: one message's 50 blocks hold them
MAX_DESCRIPTION = 1000
ACTIVE = ("scheduled", "collecting", "voting")


class CoffeeError(ValueError):
    """Something a user asked for cannot be done; the message says why, politely."""


# ---- series and meetups -------------------------------------------------------------------

# SeriesSettings fields stored in a column of the same name; the rest are converted below
_SAME = (
    "weekday", "at", "timezone", "every_weeks", "collect_hours", "vote_hours",
    "votes_per_person", "multi_dots", "hide_counts", "topics_per_person", "link",
    "hide_proposers", "timebox", "carry", "length", "volunteer_hosts",
)  # fmt: skip
# what a meetup copies from its series when it is made (or re-timed before it opens)
_COPIED = ("votes_per_person", "multi_dots", "hide_counts")


def meetup(db: Session, meetup_id: int) -> CoffeeMeetup:
    """A meetup by id; CoffeeError when it is gone (a stale button, a deleted series)."""
    s = db.get(CoffeeMeetup, meetup_id)
    if s is None:
        raise CoffeeError("That meetup is gone.")
    return s


def series_of(db: Session, s: CoffeeMeetup) -> CoffeeSeries:
    series = db.get(CoffeeSeries, s.series_id)
    if series is None:  # a meetup's series is deleted with it
        raise CoffeeError("That meetup is gone.")
    return series


def series_for(db: Session, channel_id: str) -> CoffeeSeries | None:
    return db.scalar(select(CoffeeSeries).where(CoffeeSeries.channel_id == channel_id))


def _minutes_list(text: str | None) -> tuple[int, ...]:
    return tuple(int(m) for m in (text or "").split(",") if m.isdigit())


def settings_of(series: CoffeeSeries | None) -> SeriesSettings:
    if series is None:
        return SeriesSettings()
    return SeriesSettings(
        **{name: getattr(series, name) for name in _SAME},
        remind=reminders_of(series),
        extensions=_minutes_list(series.extensions),
    )


def _columns(wanted: SeriesSettings) -> dict[str, object]:
    """A series' columns for these settings (the starting day is handled by configure)."""
    values: dict[str, object] = {name: getattr(wanted, name) for name in _SAME}
    values["remind"] = ",".join(str(m) for m in wanted.remind)
    values["extensions"] = ",".join(str(m) for m in wanted.extensions)
    return values


def reminders_of(series: CoffeeSeries) -> tuple[int, ...]:
    """The series' reminders, in minutes before the start, largest first."""
    return _minutes_list(series.remind)


def timing(series: CoffeeSeries, starts: dt.datetime) -> dict[str, object]:
    """A meetup's times and voting rules from its series: made once here, for a new meetup
    and for one re-timed before it opens."""
    return {
        "starts_at": starts,
        "collect_at": starts - dt.timedelta(hours=series.collect_hours),
        "vote_at": starts - dt.timedelta(hours=series.vote_hours),
        **{name: getattr(series, name) for name in _COPIED},
    }


def configure(
    db: Session,
    team_id: str,
    channel_id: str,
    wanted: SeriesSettings,
    by: str,
    now: dt.datetime,
) -> CoffeeSeries:
    """Create or change a channel's series; the next unopened meetup follows the new times."""
    series = series_for(db, channel_id)
    values = {**_columns(wanted), "updated_by": by}
    if wanted.starting is not None:  # the first meetup's week: fortnightly series need it
        values["anchor"] = wanted.starting
    if series is None:
        local_today = now.astimezone(ZoneInfo(wanted.timezone)).date()
        values.setdefault("anchor", local_today)
        series = CoffeeSeries(team_id=team_id, channel_id=channel_id, **values)
        db.add(series)
    else:
        for key, value in values.items():
            setattr(series, key, value)
    db.flush()
    # a meetup not yet open is re-timed in place (topics carried into it stay); one already
    # collecting or voting keeps its dates
    waiting = db.scalar(
        select(CoffeeMeetup).where(
            CoffeeMeetup.series_id == series.id, CoffeeMeetup.state == "scheduled"
        )
    )
    if waiting is None:
        ensure_next_meetup(db, series, now)
        return series
    last = db.scalar(
        select(func.max(CoffeeMeetup.starts_at)).where(
            CoffeeMeetup.series_id == series.id, CoffeeMeetup.id != waiting.id
        )
    )
    starts = _next_start(series, _after_last(series, last, now))
    if waiting.starts_at != starts:
        waiting.sequence += 1  # a calendar that has it takes the new time
    for key, value in timing(series, starts).items():
        setattr(waiting, key, value)
    return series


def _next_start(series: CoffeeSeries, after: dt.datetime) -> dt.datetime:
    return next_start(
        series.weekday, series.at, series.timezone, series.every_weeks, series.anchor, after
    )


def ensure_next_meetup(db: Session, series: CoffeeSeries, now: dt.datetime) -> CoffeeMeetup:
    """The series' current meetup, creating the next one if none is active."""
    current = _active(db, series.id)
    if current is not None:
        return current
    last = db.scalar(
        select(func.max(CoffeeMeetup.starts_at)).where(CoffeeMeetup.series_id == series.id)
    )
    starts = _next_start(series, _after_last(series, last, now))
    values = {"series_id": series.id, "state": "scheduled", **timing(series, starts)}
    try:
        with db.begin_nested():
            db.execute(insert(CoffeeMeetup).values(**values))
    except IntegrityError:
        pass  # another clock made the next meetup first (one in progress per series)
    made = _active(db, series.id)  # ours, or the other clock's
    if made is None:
        raise RuntimeError(f"series {series.id} has no meetup after making its next one")
    return made


def _active(db: Session, series_id: int) -> CoffeeMeetup | None:
    return db.scalar(
        select(CoffeeMeetup)
        .where(CoffeeMeetup.series_id == series_id, CoffeeMeetup.state.in_(ACTIVE))
        .order_by(CoffeeMeetup.starts_at)
        .limit(1)
    )


def next_after_finish(db: Session, series_id: int, now: dt.datetime) -> None:
    """Once a meetup closes or is cancelled, the series' next one exists: written once, for
    the clock and for organisers' hands alike."""
    series = db.get(CoffeeSeries, series_id)
    if series is not None:
        ensure_next_meetup(db, series, now)


def _after_last(series: CoffeeSeries, last: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """Search for the next meetup from here: a later day than the last one, even if the time
    of day moved later, and never in the past."""
    tz = ZoneInfo(series.timezone)
    # never before the series' starting day (`starting 2026-12-08`)
    first_day = dt.datetime.combine(series.anchor, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)
    earliest = max(now, first_day - dt.timedelta(seconds=1))
    if last is None:
        return earliest
    local = last.astimezone(tz)
    day_end = dt.datetime.combine(local.date(), dt.time(23, 59, 59), tzinfo=tz)
    return max(earliest, day_end.astimezone(dt.UTC))


def due_state(s: CoffeeMeetup, now: dt.datetime) -> str:
    """Where the clock says this meetup should be now."""
    if now >= s.starts_at:
        return "closed"
    if now >= s.vote_at:
        return "voting"
    if now >= s.collect_at:
        return "collecting"
    return "scheduled"


def claim_reminder(
    db: Session, s: CoffeeMeetup, reminders: tuple[int, ...], now: dt.datetime
) -> int | None:
    """The reminder due now (minutes before the start), or None. Only the caller whose
    conditional update recorded it gets it, so each is posted once; a bot down across several
    posts only the nearest."""
    if s.state not in ("collecting", "voting"):
        return None
    starts = s.starts_at
    due = [m for m in reminders if starts - dt.timedelta(minutes=m) <= now < starts]
    if not due:
        return None
    nearest = min(due)
    if s.reminded is not None and s.reminded <= nearest:
        return None  # already sent (read without a lock: the update below decides)
    changed = db.execute(
        update(CoffeeMeetup)
        .where(
            CoffeeMeetup.id == s.id,
            CoffeeMeetup.state.in_(("collecting", "voting")),
            (CoffeeMeetup.reminded.is_(None)) | (CoffeeMeetup.reminded > nearest),
        )
        .values(reminded=nearest)
    )
    return nearest if rowcount(changed) == 1 else None


ORDER = {"scheduled": 0, "collecting": 1, "voting": 2, "closed": 3}


BY_HAND = {  # what an organiser may move by hand, and from where
    "collecting": ("scheduled",),
    "voting": ("scheduled", "collecting"),
    "closed": ("collecting", "voting"),  # a meetup that never opened is cancelled, not closed
    "cancelled": ACTIVE,
}


def move(db: Session, meetup_id: int, to: str, *, by_hand: bool = False) -> bool:
    """Move a meetup forward to `to` (or cancel it); True only for the one caller that changed
    the row, so only that caller posts about it. A closed or cancelled meetup never moves."""
    if by_hand:
        before = list(BY_HAND[to])
    elif to == "cancelled":
        before = list(ACTIVE)
    else:
        before = [state for state, n in ORDER.items() if n < ORDER[to]]
    changed = db.execute(
        update(CoffeeMeetup)
        .where(CoffeeMeetup.id == meetup_id, CoffeeMeetup.state.in_(before))
        .values(state=to, sequence=CoffeeMeetup.sequence + int(to == "cancelled"))
    )
    return rowcount(changed) == 1


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE changed (typed as a plain Result, it hides the count)."""
    return int(result.rowcount)
