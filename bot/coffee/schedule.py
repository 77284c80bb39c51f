"""When meetups happen: `/coffee schedule ...` parsed into settings, and the next occurrences.

Times are local to the series' time zone and computed with APScheduler's calendar trigger,
so "every other Tuesday at 16:00 Europe/London" stays at 16:00 on both sides of a DST change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import cache
from zoneinfo import available_timezones

# the weekly rule's dates live with time itself (bot/times.py): onboarding uses them too
from bot.times import next_start as next_start

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)  # what `starting` takes
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class ScheduleError(ValueError):
    """The schedule text could not be read; the message says what to write instead."""


@dataclass(frozen=True)
class SeriesSettings:
    weekday: int = 1
    at: str = "16:00"
    timezone: str = "Europe/London"
    every_weeks: int = 2
    collect_hours: int = 72
    vote_hours: int = 24
    votes_per_person: int = 3
    multi_dots: bool = False
    hide_counts: bool = True
    topics_per_person: int = 3
    link: str = ""
    remind: tuple[int, ...] = ()  # minutes before the start, largest first
    starting: dt.date | None = None  # the first meetup's week (fixes which weeks are on)
    hide_proposers: bool = False  # while votes are cast
    timebox: int = 8  # minutes a topic gets at the meeting
    extensions: tuple[int, ...] = (4, 2)  # each extension's minutes; the last repeats
    carry: bool = True  # undiscussed topics move to the next meetup when a meeting ends
    length: int = 60  # minutes a meeting lasts: then it ends, if nobody ended it
    volunteer_hosts: bool = False  # any member may offer to host ("I'll host")

    def describe(self) -> str:
        every = "every week" if self.every_weeks == 1 else f"every {self.every_weeks} weeks"
        return (
            f"{every} on {DAY_NAMES[self.weekday]} at {self.at} {self.timezone} for "
            f"{_minutes(self.length)}; topics open "
            f"{_span(self.collect_hours)} before, voting {_span(self.vote_hours)} before; "
            f"{self.votes_per_person} votes each"
            + (", several on one topic allowed" if self.multi_dots else ", one per topic")
            + (", counts hidden until voting closes" if self.hide_counts else ", counts shown")
            + f"; up to {self.topics_per_person} topic{'s' if self.topics_per_person != 1 else ''}"
            " a person"
            + ("; proposers unnamed until voting closes" if self.hide_proposers else "")
            + (f"; starting {self.starting.isoformat()}" if self.starting else "")
            + (f"; meeting link {self.link}" if self.link else "")
            + (
                "; reminders " + " and ".join(_minutes(m) for m in self.remind) + " before"
                if self.remind
                else ""
            )
            + self._meeting()
            + ("; anyone may volunteer to host" if self.volunteer_hosts else "")
        )

    def _meeting(self) -> str:
        """The meeting's rules, said when they differ from the defaults."""
        if (self.timebox, self.extensions, self.carry) == (8, (4, 2), True):
            return ""
        ext = (
            f"extensions {' then '.join(f'{m}' for m in self.extensions)} minutes"
            if self.extensions
            else "no extensions"
        )
        return f"; topics get {self.timebox} minutes, {ext}" + (
            "" if self.carry else "; undiscussed topics are not carried over"
        )


def _minutes(m: int) -> str:
    if m % 60 == 0:
        return f"{m // 60} hour{'s' if m != 60 else ''}"
    return f"{m} minute{'s' if m != 1 else ''}"


MAX_LENGTH = 8 * 60


def _length(text: str) -> int:
    """A meeting's length: 45m, 1h, 90m, 1h30m (minutes when no unit is given)."""
    m = re.fullmatch(r"(?:(\d{1,2})h)?(?:(\d{1,3})m?)?", text.lower())
    if not m or not (m.group(1) or m.group(2)):
        raise ScheduleError(f"“{text[:30]}” is not a length; write it like length 45m or 1h.")
    minutes = int(m.group(1) or 0) * 60 + int(m.group(2) or 0)
    if not 1 <= minutes <= MAX_LENGTH:
        raise ScheduleError("A meeting lasts 1 minute to 8 hours, e.g. length 1h.")
    return minutes


def _reminders(text: str) -> tuple[int, ...]:
    if text.lower() in ("off", "none", "no"):
        return ()
    found = []
    for part in text.split(","):
        m = re.fullmatch(r"([0-9]{1,3})([hm])", part.strip().lower())
        if not m:
            raise ScheduleError(f"“{part[:30]}” is not a reminder time; write them like 2h,10m.")
        found.append(int(m.group(1)) * (60 if m.group(2) == "h" else 1))
    if len(found) > 4 or not all(0 < m <= 7 * 24 * 60 for m in found):
        raise ScheduleError("Up to 4 reminders, each between 1 minute and 7 days before.")
    return tuple(sorted(set(found), reverse=True))


def _link(text: str) -> str:
    url = text.strip("<>").split("|", 1)[0]  # Slack may send a link as <url|label>
    if url.lower() in ("off", "none"):
        return ""
    if (
        not url.startswith("https://")
        or len(url) > 300
        or any(c in url for c in "<>| \"'")
        or len(url) <= len("https://")
    ):
        raise ScheduleError(
            "The meeting link must be an https:// address, e.g. link https://zoom.us/j/123."
        )
    return url


def _extensions(text: str) -> tuple[int, ...]:
    if text.lower() in ("off", "none", "no", "0"):
        return ()
    found = []
    for part in text.split(","):
        m = re.fullmatch(r"([0-9]{1,2})m?", part.strip().lower())
        if not m or not 1 <= int(m.group(1)) <= 60:
            raise ScheduleError(
                f"“{part[:30]}” is not an extension; write them in minutes like extend 4,2."
            )
        found.append(int(m.group(1)))
    if len(found) > 5:
        raise ScheduleError("Up to 5 extensions, e.g. extend 4,2.")
    return tuple(found)


def _span(hours: int) -> str:
    return f"{hours // 24} days" if hours % 24 == 0 and hours >= 48 else f"{hours} hours"


EXAMPLE = "`/coffee schedule every 2 weeks tuesday 4pm Europe/London`"

# a time of day as people write it: 16:00, 4pm, 4:30pm, 4 pm (the "pm" its own word), 4.30pm
_TIME = re.compile(r"([0-9]{1,2})(?:[:.h]([0-9]{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")
_MERIDIEM = ("am", "pm", "a.m.", "p.m.")


def time_of_day(text: str) -> str | None:
    """ "HH:MM" for a time of day as people write it, None when the text is not one (a bare
    number is not: "4" could be anything). ScheduleError for an impossible one (25:00)."""
    m = _TIME.fullmatch(text.strip().lower())
    if not m or (m.group(2) is None and m.group(3) is None):
        return None
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half:
        if not 1 <= hour <= 12 or minute > 59:
            raise ScheduleError(f"{text} is not a time of day; write it like 4pm or 16:00.")
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    elif hour > 23 or minute > 59:
        raise ScheduleError(f"{text} is not a time of day; write it like 4pm or 16:00.")
    return f"{hour:02d}:{minute:02d}"


def _count(text: str, example: str) -> int:
    """A count as people type it: a few ASCII digits. ("²".isdigit() is true, and int()
    refuses it; int() refuses 5,000 digits too.)"""
    if not re.fullmatch(r"[0-9]{1,3}", text):
        raise ScheduleError(f"“{text[:30]}” is not a number I can use; write it like {example}.")
    return int(text)


@cache
def _zones() -> dict[str, str]:
    """Every zone name the tz database has, by its lower-case spelling. Only these are passed
    to ZoneInfo: a region ("America/Argentina") or an over-long name is a folder or a path the
    file system refuses, not a zone."""
    return {name.lower(): name for name in available_timezones()}


def _hours(text: str) -> int:
    m = re.fullmatch(r"([0-9]{1,3})([dh]?)", text)
    if not m:
        raise ScheduleError(f"“{text}” is not a duration; write it like 3d or 24h.")
    n = int(m.group(1))
    return n * 24 if m.group(2) == "d" else n


def parse_schedule(text: str, current: SeriesSettings) -> SeriesSettings:
    """Words in any order; what is not said keeps its current value."""
    tokens = text.split()
    s = current
    i = 0
    while i < len(tokens):
        tok, low = tokens[i], tokens[i].lower()
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if low == "every":
            if nxt[:1].isnumeric():  # "every 2", and every digit-like character Unicode has
                s = replace(s, every_weeks=_count(nxt, "every 2 weeks"))
                i += 1
                if i + 1 < len(tokens) and tokens[i + 1].lower() in ("weeks", "week"):
                    i += 1
            elif nxt.lower() in ("week", "weekly"):
                s = replace(s, every_weeks=1)
                i += 1
            elif nxt.lower() == "other":
                s = replace(s, every_weeks=2)
                i += 1
        elif low in WEEKDAYS:
            s = replace(s, weekday=WEEKDAYS[low])
        elif nxt.lower() in _MERIDIEM and time_of_day(f"{tok}{nxt}"):  # "4 pm"
            s = replace(s, at=time_of_day(f"{tok}{nxt}") or s.at)
            i += 1
        elif time_of_day(tok):
            s = replace(s, at=time_of_day(tok) or s.at)
        elif "/" in tok or low == "utc":
            zone = _zones().get(low)
            if zone is None:
                raise ScheduleError(
                    f"“{tok[:60]}” is not a time zone I know; write it like Europe/London."
                )
            s = replace(s, timezone=zone)
        elif low in ("collect", "topics") and nxt:
            s = replace(s, collect_hours=_hours(nxt.lower()))
            i += 1
        elif low in ("vote", "voting") and nxt:
            s = replace(s, vote_hours=_hours(nxt.lower()))
            i += 1
        elif low in ("votes", "dots") and nxt:
            s = replace(s, votes_per_person=_count(nxt, "votes 3"))
            i += 1
        elif low in ("starting", "from", "start") and nxt:
            try:
                day = dt.date.fromisoformat(nxt)
            except ValueError:
                raise ScheduleError(
                    f"“{nxt[:30]}” is not a date; write it like starting 2026-12-08."
                ) from None
            if not FIRST_DAY <= day <= LAST_DAY:  # 9999-12-31 has no meetup after it
                raise ScheduleError(
                    f"Start on a day from {FIRST_DAY.year} to {LAST_DAY.year}, e.g. "
                    "starting 2026-12-08."
                )
            s = replace(s, starting=day)
            i += 1
        elif low == "link" and nxt:
            s = replace(s, link=_link(nxt))
            i += 1
        elif low in ("remind", "reminders") and nxt:
            s = replace(s, remind=_reminders(nxt))
            i += 1
        elif low in ("length", "lasts", "duration") and nxt:
            s = replace(s, length=_length(nxt))
            i += 1
        elif low in ("timebox", "timeboxes") and nxt:
            minutes = re.fullmatch(r"([0-9]{1,2})m?", nxt.lower())
            if not minutes or not 1 <= int(minutes.group(1)) <= 60:
                raise ScheduleError("A timebox is 1 to 60 minutes, e.g. timebox 8.")
            s = replace(s, timebox=int(minutes.group(1)))
            i += 1
        elif low in ("extend", "extensions") and nxt:
            s = replace(s, extensions=_extensions(nxt))
            i += 1
        elif low == "carry":
            s = replace(s, carry=True)
        elif low in ("no-carry", "nocarry"):
            s = replace(s, carry=False)
        elif low in ("volunteer-hosts", "volunteers"):
            s = replace(s, volunteer_hosts=True)
        elif low in ("no-volunteer-hosts", "no-volunteers"):
            s = replace(s, volunteer_hosts=False)
        elif low in ("proposals", "per-person") and nxt:
            s = replace(s, topics_per_person=_count(nxt, "proposals 3"))
            i += 1
        elif low in ("anonymous", "unnamed"):
            s = replace(s, hide_proposers=True)
        elif low == "named":
            s = replace(s, hide_proposers=False)
        elif low in ("multi", "stack"):
            s = replace(s, multi_dots=True)
        elif low in ("single", "one-per-topic"):
            s = replace(s, multi_dots=False)
        elif low in ("shown", "open-counts"):
            s = replace(s, hide_counts=False)
        elif low in ("hidden", "secret"):
            s = replace(s, hide_counts=True)
        elif low in ("weeks", "week", "on", "at", "before"):
            pass
        else:
            raise ScheduleError(f"I did not understand “{tok[:40]}”. Try e.g. {EXAMPLE}.")
        i += 1
    if not 1 <= s.every_weeks <= 8:
        raise ScheduleError("Meetups can be every 1 to 8 weeks.")
    if not 1 <= s.votes_per_person <= 20:
        raise ScheduleError("Each person can have 1 to 20 votes.")
    if not 1 <= s.topics_per_person <= 40:
        raise ScheduleError("Each person can propose 1 to 40 topics a meetup.")
    if not 0 < s.vote_hours < s.collect_hours <= 24 * 28:
        raise ScheduleError(
            "Topic collection must open before voting, and voting before the meetup "
            "(e.g. collect 3d vote 24h)."
        )
    return s
