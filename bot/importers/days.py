"""Which day is "day 1": the main conference's first day, not a co-located event's.

A conference often opens with a day of co-located events (KubeCon's Monday) and sometimes a
lone entry the day before (a Maintainer Summit on Sunday). A Sched schedule does not say which
of its categories are the main conference, so the days tell:

- an event whose name says so ("co-located", "summit") is a side event;
- the main conference's tracks run through all of its days, while each co-located event fills
  one day: so where some events run over several days, a main day is one whose talks are
  mostly in such events (and not side events); where none do, one whose talks are mostly not
  in side events;
- a main day also holds at least a fifth as many such talks as the busiest day, so one stray
  entry does not open a conference;
- day 1 is the first main day; with none, the first day with talks.

Formats that number their days themselves (frab, pretalx) and catalogs that name `day_one`
keep theirs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from bot.importers.records import EventRecord, TalkRecord
from bot.text import words

_SIDE_NAMES = ({"co", "located"}, {"colocated"}, {"summit"})


def main_first_day(talks: Iterable[TalkRecord], events: Iterable[EventRecord]) -> dt.date | None:
    dated = [(t.day, t.event) for t in talks if t.day]
    kinds = {e.slug: e.kind for e in events}
    names = {e.slug: set(words(e.name)) for e in events}
    side = {
        slug
        for slug, name in names.items()
        if kinds[slug] != "main" and any(marks <= name for marks in _SIDE_NAMES)
    }
    days_of: dict[str, set[dt.date]] = {}
    for day, event in dated:
        days_of.setdefault(event, set()).add(day)
    running = {e for e, days in days_of.items() if len(days) > 1 and e not in side}
    every = Counter(day for day, _ in dated)
    for main_events in (running, set(days_of) - side):
        main = Counter(day for day, event in dated if event in main_events)
        busiest = max(main.values(), default=0)
        for day in sorted(every):
            if main[day] and 2 * main[day] > every[day] and 5 * main[day] >= busiest:
                return day
    return min(every, default=None)
