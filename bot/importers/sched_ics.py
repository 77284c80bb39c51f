"""Sched's iCalendar export (.ics): one VEVENT per entry, times in UTC, no speaker field.

Sched puts the speakers in SUMMARY, after the title's last " - ": bot/importers/people.py
reads them.

Entries without speakers in a logistics category (registration, breaks, meals) are not talks;
the reader counts them as skipped. Categories become the conference's tracks.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar

from bot.importers.checks import check_unique, days_of, make_talk
from bot.importers.days import main_first_day
from bot.importers.naming import choose_slug, main_event, track_event
from bot.importers.people import Known, split_summary, split_tail
from bot.importers.records import (
    Catalog,
    CatalogFileError,
    ConferenceRecord,
    EventRecord,
    Options,
    Parsed,
)
from bot.importers.text import clean_text, format_of, html_text, split_format_prefix
from bot.importers.zones import check_zone, zone_of_city
from bot.text import words

# --- logistics: entries that are not talks ---

_LOGISTICS_CATEGORY = {
    "registration",
    "break",
    "breaks",
    "meal",
    "meals",
    "lunch",
    "breakfast",
    "logistics",
    "cloakroom",
    "badge",
    "coffee",
}
_LOGISTICS_TITLE = re.compile(
    r"^(badge pick ?up|badge pickup|cloakroom|coat check|lunch|breakfast|coffee break"
    r"|registration|attendee registration|(mini|networking|coffee|afternoon|morning) break)\b"
    r"|(^|[:|–-]\s*)(mini |coffee |networking )?break$"  # "Keynotes: Break", "Day 2 | Break"
    r"|\b(expo|exhibit|solutions showcase|sponsor) hall\b.*\b(open|opens|hours|closes)\b"
    r"|\b(lunch|breakfast)\s*\|\s*on (your )?own\b",
    re.IGNORECASE,
)


# Hours of the expo or the project pavilion, a list of booths, an empty demo slot: what
# nobody speaks at either, counted with the breaks.
_EXPO_TITLE = re.compile(
    r"^(solutions showcase|expo|expo hall|exhibit hall|exhibition hall|sponsor hall"
    r"|sponsor showcase|project pavilion)( (is )?(open|opens|hours))?$"
)
_BOOTH = re.compile(r"\bbooth\s*(number|no\b|#)", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"^((project )?demos?|(keynotes? )?(tbd|tba|to be announced|to be confirmed|placeholder))$"
)
UMBRELLA = dt.timedelta(hours=6)
COLOCATED_EVENT = dt.timedelta(hours=3)
# "ArgoCon Hosted by CNCF - Full-Day Event | ALL ACCESS PASS REQUIRED": an event's own entry
_EVENT_TITLE = re.compile(r"\b(full|half)[- ]day event\b")


def _instant(value: dt.datetime) -> dt.datetime:
    """Comparable whether the file wrote it in UTC, with a zone, or floating (read as UTC
    here: only durations and order matter)."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _umbrellas(entries: list[_Entry]) -> set[str]:
    """UIDs of whole-day entries that only frame others: six hours or more, with at least two
    entries of the same category or in the same room starting inside them (a co-located
    event's own entry over its talks); or three hours or more in a co-located category (the
    co-located event itself, its talks on its own schedule)."""
    groups: dict[tuple[str, str], list[_Entry]] = {}
    for e in entries:
        if isinstance(e.start, dt.datetime):
            for key in (("category", e.category), ("room", e.location)):
                if key[1]:
                    groups.setdefault((key[0], key[1]), []).append(e)
    found = set()
    for same in groups.values():
        starts = sorted(_instant(e.start) for e in same if isinstance(e.start, dt.datetime))
        for e in same:
            if not isinstance(e.start, dt.datetime) or not isinstance(e.end, dt.datetime):
                continue
            start, end = _instant(e.start), _instant(e.end)
            if e.uid in found:
                continue
            hours = end - start
            colocated = {"co", "located"} <= set(words(e.category or ""))
            if colocated and hours >= COLOCATED_EVENT:  # the co-located event itself
                found.add(e.uid)
                continue
            if hours < UMBRELLA:
                continue
            # entries starting inside it, itself not counted (a hostile file may hold
            # thousands of long entries: counted by bisection, not pairwise)
            inside = bisect_left(starts, end) - bisect_left(starts, start) - 1
            if inside >= 2:
                found.add(e.uid)
    return found


def is_not_a_talk(title: str, description: str) -> bool:
    """Expo hours, a list of booths, an empty demo or to-be-announced slot, by what the entry
    says."""
    text = split_format_prefix(clean_text(title))[0].casefold()  # "Keynote: To Be Announced"
    if _EXPO_TITLE.match(text) or "in-booth" in text or _EVENT_TITLE.search(text):
        return True
    if len(_BOOTH.findall(description)) >= 2:
        return True
    return not description.strip() and bool(_PLACEHOLDER.match(text))


def is_logistics(title: str, category: str | None) -> bool:
    """A break, a meal, badge pick-up, the expo hall's hours: what a schedule lists that nobody
    speaks at, by its category or, whatever the category, by its title."""
    if category and set(words(category)) & _LOGISTICS_CATEGORY:
        return True
    return bool(_LOGISTICS_TITLE.search(clean_text(title).casefold()))


def _lightning(title: str) -> str | None:
    """'Project Lightning Talk': a title that says lightning gives the format, not others
    ('Laughter Workshop' is not a workshop of the schedule's kind)."""
    return "lightning" if "lightning" in words(title) else None


# --- the file ---

_CONTENT_LINE = re.compile(
    r'^[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*:'
)


def prescan(text: str, path: str, first_line: int = 1) -> list[int]:
    """Check the file's shape with line numbers; the line of each VEVENT's BEGIN, in order.

    The iCalendar library reports a truncated file or a broken line without saying where;
    this says where, before the library reads it.
    """
    stack: list[tuple[str, int]] = []
    begins: list[int] = []
    seen_calendar = False
    for n, raw in enumerate(text.split("\n"), first_line):
        line = raw.rstrip("\r")
        if not line.strip() or line[0] in " \t":  # blank, or the continuation of a folded line
            continue
        if not _CONTENT_LINE.match(line):
            raise CatalogFileError(f"{path}: line {n}: not an iCalendar line: {line[:60]!r}")
        name, _, value = line.partition(":")
        name = name.split(";", 1)[0].upper()
        value = value.strip().upper()
        if not stack and (seen_calendar or (name, value) != ("BEGIN", "VCALENDAR")):
            what = "a second calendar" if seen_calendar else "not inside BEGIN:VCALENDAR"
            raise CatalogFileError(f"{path}: line {n}: {what}: {line[:60]!r}")
        if name == "BEGIN":
            stack.append((value, n))
            seen_calendar = True
            if value == "VEVENT":
                begins.append(n)
        elif name == "END":
            if not stack or stack[-1][0] != value:
                opened = f"{stack[-1][0]} begun at line {stack[-1][1]}" if stack else "nothing"
                raise CatalogFileError(f"{path}: line {n}: END:{value} closes {opened}")
            stack.pop()
    if stack:
        kind, line_no = stack[-1]
        raise CatalogFileError(
            f"{path}: the file ends inside the {kind} begun at line {line_no}: "
            "is it cut short (truncated)?"
        )
    if not seen_calendar:
        raise CatalogFileError(f"{path}: no BEGIN:VCALENDAR: not an iCalendar file")
    return begins


def _value(component: icalendar.Component, key: str) -> str:
    value = component.get(key)
    if value is None:
        return ""
    if isinstance(value, list):  # the property given twice: the first wins
        value = value[0]
    return str(value)


def _categories(component: icalendar.Component) -> list[str]:
    raw = component.get("CATEGORIES")
    if raw is None:
        return []
    out: list[str] = []
    for prop in raw if isinstance(raw, list) else [raw]:
        cats = getattr(prop, "cats", None)
        out.extend(str(c) for c in cats) if cats is not None else out.append(str(prop))
    return [c for c in (clean_text(c) for c in out) if c]


def _when(component: icalendar.Component, key: str, where: str) -> dt.datetime | dt.date | None:
    if component.get(key) is None:
        return None
    try:
        value = component.decoded(key)
    except (ValueError, TypeError, KeyError):
        value = None
    if not isinstance(value, dt.date):
        raw = _value(component, key)
        raise CatalogFileError(f"{where}: {key} {raw[:40]!r} is not a date or time")
    return value


_UTC_NAMES = {"utc", "gmt", "z", "etc/utc", "etc/gmt", "universal", "zulu"}


@dataclass
class _Entry:
    where: str
    uid: str
    summary: str
    category: str | None
    location: str
    start: dt.datetime | dt.date | None
    end: dt.datetime | dt.date | None
    url: str
    description: str


def _entries(cal: icalendar.Calendar, begins: list[int], path: str) -> list[_Entry]:
    events = list(cal.walk("VEVENT"))
    if len(events) != len(begins):  # nested oddities: fall back to entry numbers
        begins = []
    out = []
    for i, ev in enumerate(events):
        uid = clean_text(_value(ev, "UID"))
        where = f"{path}: line {begins[i]}" if begins else f"{path}: entry {i + 1}"
        where += f" (UID {uid[:60]})" if uid else ""
        if not uid:
            raise CatalogFileError(f"{where}: the entry has no UID")
        cats = _categories(ev)
        if ev.get("DTSTART") is None:
            # a talk without a day and a time is no use to anyone: say which, import nothing
            raise CatalogFileError(f"{where}: the entry has no DTSTART (when it starts)")
        out.append(
            _Entry(
                where=where,
                uid=uid,
                summary=clean_text(_value(ev, "SUMMARY")),
                category=cats[0] if cats else None,
                location=clean_text(_value(ev, "LOCATION")),
                start=_when(ev, "DTSTART", where),
                end=_when(ev, "DTEND", where),
                url=_value(ev, "URL").strip(),
                description=html_text(_value(ev, "DESCRIPTION")),
            )
        )
    return out


def _venue(entries: list[_Entry]) -> tuple[str | None, str | None]:
    """The ", City, Country" that ends most locations, and the city: rooms are what precedes it."""
    tails = Counter(
        ", ".join(parts[-2:])
        for parts in (e.location.split(", ") for e in entries if e.location)
        if len(parts) >= 3
    )
    if not tails:
        return None, None
    suffix, count = tails.most_common(1)[0]
    if count * 2 < sum(1 for e in entries if e.location):
        return None, None
    return suffix, suffix.split(", ")[0]


def _zone(
    cal: icalendar.Calendar, entries: list[_Entry], city: str | None, options: Options, path: str
) -> tuple[str, str]:
    """The conference's zone, and where it came from."""
    if options.timezone:
        return check_zone(options.timezone, f"{path}: --timezone"), "from --timezone"
    stated = clean_text(_value(cal, "X-WR-TIMEZONE"))
    if stated and stated.lower() not in _UTC_NAMES:
        return check_zone(stated, f"{path}: X-WR-TIMEZONE"), "from the calendar's X-WR-TIMEZONE"
    for e in entries:
        tz = getattr(e.start, "tzinfo", None)
        key = getattr(tz, "key", None) or getattr(tz, "zone", None)
        if key and key.lower() not in _UTC_NAMES:
            return check_zone(key, f"{e.where}: DTSTART"), "from the entries' TZID"
    zone = zone_of_city(city)
    if zone:
        return zone, f"from the city of its locations, {city} (--timezone overrides)"
    return "UTC", "the file names no local zone (--timezone names it)"


def _local(value: dt.datetime | dt.date | None, zone: ZoneInfo) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=zone)  # floating: local time


def _conference_name(cal: icalendar.Calendar) -> str | None:
    """'-//Sched.com KubeCon + CloudNativeCon Europe 2026//EN' -> the conference's name."""
    prodid = clean_text(_value(cal, "PRODID"))
    m = re.match(r"^-//(?:Sched\.com\s+)?(.+?)//", prodid)
    return m.group(1).strip() if m and "sched" in prodid.lower() else None


def read(text: str, path: str, options: Options) -> Parsed:
    stripped = text.lstrip()  # blank lines before BEGIN:VCALENDAR: harmless, but not iCalendar
    skipped_lines = text[: len(text) - len(stripped)].count("\n")
    text = stripped
    begins = prescan(text, path, first_line=skipped_lines + 1)
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # the library's errors are untyped; the file is untrusted
        raise CatalogFileError(f"{path}: not valid iCalendar ({str(exc)[:200]})") from None
    if isinstance(cal, list):
        raise CatalogFileError(f"{path}: more than one calendar in one file")
    entries = _entries(cal, begins, path)

    notes: list[str] = []
    calname = clean_text(_value(cal, "X-WR-CALNAME"))
    slug = choose_slug(options, calname, "the calendar's name, X-WR-CALNAME", path, notes)
    suffix, city = _venue(entries)
    tz, source = _zone(cal, entries, city, options, path)
    notes.append(f"time zone {tz}: {source}")
    zone = ZoneInfo(tz)

    known = Known()
    for e in entries:
        _head, tail = split_tail(e.summary)
        if tail and "," in tail:
            known.learn(tail)

    umbrellas = _umbrellas(entries)
    events: dict[str, EventRecord] = {}
    talks = []
    wheres: list[str] = []
    skipped: list[str] = []
    name = _conference_name(cal) or calname or slug
    options.progress.start(len(entries), path)
    for e in entries:
        options.progress.advance()
        if not e.summary:
            raise CatalogFileError(f"{e.where}: the entry has no SUMMARY (title)")
        title, people = split_summary(e.summary, known)
        if not people and (
            is_logistics(title, e.category)
            or is_not_a_talk(title, e.description)
            or e.uid in umbrellas
        ):
            skipped.append(title)
            continue
        event = track_event(e.category, e.where) if e.category else main_event(slug, name)
        events.setdefault(event.slug, event)
        title, prefix_format = split_format_prefix(title)
        wheres.append(e.where)
        room = e.location
        if suffix and room.endswith(", " + suffix):
            room = room[: -len(suffix) - 2]
        elif suffix and room == suffix:
            room = ""
        talks.append(
            make_talk(
                e.where,
                source_id=e.uid,
                title=title,
                event=event.slug,
                format=prefix_format or format_of(e.category, _lightning(title)),
                starts_at=_local(e.start, zone),
                ends_at=_local(e.end, zone),
                zone=zone,
                day=e.start if type(e.start) is dt.date else None,
                room=room,
                url=e.url,
                summary=e.description,
                speakers=people,
            )
        )
    options.progress.finish()
    check_unique(talks, path, wheres)
    starts, ends = days_of(talks)
    url = None
    day_one = main_first_day(talks, events.values())  # the main conference's first day
    if entries and entries[0].url:
        parts = urlsplit(entries[0].url)
        url = f"{parts.scheme}://{parts.netloc}/" if parts.scheme in ("http", "https") else None
    conference = ConferenceRecord(
        slug=slug,
        name=name[:300],
        timezone=tz,
        city=city,
        starts=starts,
        ends=ends,
        day_one=day_one,
        url=url,
    )
    catalog = Catalog(conference, list(events.values()), talks)
    return Parsed(
        path,
        "sched-ics",
        catalog,
        skipped,
        notes,
        global_ids=True,
        conference_named=bool(options.conference),
    )
