"""When a journey's steps fall due: at a local hour in the newcomer's own Slack time zone.

Slack gives each user `tz` (an IANA name such as "Europe/London") and `tz_offset` (seconds east
of UTC, today's). The name is kept when there is one, since only it knows about DST; the offset
is a fallback, and UTC the last resort.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.onboarding.content import Step

_OFFSET = re.compile(r"^[+-]\d{1,5}$")


def tz_of(user: dict[str, Any]) -> str:
    """What to remember of a Slack user object's time zone: "Europe/London", "+19800" or ""."""
    name = user.get("tz") or ""
    if name and len(name) <= 64:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = user.get("tz_offset")
    if isinstance(offset, int) and abs(offset) <= 14 * 3600:
        return f"{offset:+d}"
    return ""


def zone(tz: str) -> dt.tzinfo:
    """The tzinfo of a remembered time zone (tz_of's answer); UTC when unknown."""
    if _OFFSET.match(tz or ""):
        return dt.timezone(dt.timedelta(seconds=int(tz)))
    try:
        return ZoneInfo(tz) if tz else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def due_at(started: dt.datetime, step: Step, tz: str) -> dt.datetime:
    """`step.day` days after `started`, counted in the person's calendar, at `step.hour` local
    time; in UTC. Across a DST change the local hour stays and the UTC hour moves."""
    where = zone(tz)
    day = started.astimezone(where).date() + dt.timedelta(days=step.day)
    local = dt.datetime(day.year, day.month, day.day, step.hour, tzinfo=where)
    return local.astimezone(dt.UTC)
