"""Time in one place: instants are aware datetimes in UTC, in memory and in the store.

`utcnow` is the clock every feature is given by default (tests hand in their own `Clock`);
`UtcDateTime` is the column type of every timestamp, so a value read back is aware on SQLite
(which keeps no zone) as on PostgreSQL; `local_format` writes a local time the same way on
every platform (strftime's `%-d` is glibc's alone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

Clock = Callable[[], dt.datetime]
"""What a feature asks for the time: an aware datetime in UTC."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back aware.

    A naive value is refused when written: whether it meant UTC or someone's local time is
    exactly the ambiguity this type exists to remove.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"a timestamp must be an aware datetime, not {value!r}")
        utc = value.astimezone(dt.UTC)
        # SQLite writes the wall time and drops the zone: hand it UTC without one
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stamp: dt.datetime = value  # the DateTime column hands back a datetime
        if stamp.tzinfo is None:  # SQLite: stored as UTC, read back naive
            return stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)


def local_format(value: dt.date, fmt: str) -> str:
    """`value.strftime(fmt)`, where `%-d` is the day of the month without a leading zero on
    every platform."""
    return value.strftime(fmt.replace("%-d", str(value.day)))


def in_zone(moment: dt.datetime, timezone: str) -> dt.datetime:
    """An aware instant as the wall time of an IANA zone."""
    return moment.astimezone(ZoneInfo(timezone))


def offset_name(offset: dt.timedelta | None) -> str:
    """'UTC+1', 'UTC-3', 'UTC+5:30', 'UTC': an offset as people read it."""
    minutes = int((offset or dt.timedelta()).total_seconds() // 60)
    if not minutes:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(timezone: str) -> str:
    """A zone's name as people read it: 'Etc/GMT-1' (POSIX signs, read backwards) is 'UTC+1';
    any other name as it is."""
    if not timezone.startswith("Etc/"):
        return timezone
    try:
        offset = dt.datetime(2000, 1, 1, tzinfo=ZoneInfo(timezone)).utcoffset()
    except (ValueError, KeyError):
        return timezone
    return offset_name(offset)


def next_start(
    weekday: int, at: str, timezone: str, every_weeks: int, anchor: dt.date, after: dt.datetime
) -> dt.datetime:
    """The first occurrence of a weekly rule (`weekday` at `at`, local to `timezone`, every
    `every_weeks` weeks counted from `anchor`) strictly after `after`, in UTC. Computed with
    APScheduler's calendar trigger, so 16:00 stays 16:00 on both sides of a DST change."""
    hour, minute = map(int, at.split(":"))
    # the trigger fires on `anchor`'s weekday; move the anchor to the series' weekday
    start = anchor + dt.timedelta(days=(weekday - anchor.weekday()) % 7)
    trigger = CalendarIntervalTrigger(
        weeks=every_weeks, hour=hour, minute=minute, timezone=ZoneInfo(timezone), start_date=start
    )
    # the trigger's library publishes no types: say what it hands back
    fire: dt.datetime | None = trigger.get_next_fire_time(None, after)
    # skip whole periods first: an anchor years back should not cost a loop per meetup
    period = dt.timedelta(weeks=every_weeks)
    while fire is not None and fire <= after:
        if after - fire > 2 * period:
            skip = (after - fire) // period - 1
            start = start + skip * period
            trigger = CalendarIntervalTrigger(
                weeks=every_weeks,
                hour=hour,
                minute=minute,
                timezone=ZoneInfo(timezone),
                start_date=start,
            )
            fire = trigger.get_next_fire_time(None, after)
            continue
        fire = trigger.get_next_fire_time(fire, after)
    if fire is None:  # pragma: no cover - the trigger has no end date
        raise RuntimeError("no next meetup")
    return fire.astimezone(dt.UTC)
