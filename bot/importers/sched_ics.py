"""Sched's iCalendar export (.ics): one VEVENT per entry, times in UTC, no speaker field.

Sched puts the speakers in SUMMARY, after the title's last " - ", grouped by company:

    Title - Name, Company & Name, Company
    Title - Name & Name, Company; Name, Company; Name, Company
    Title - Name, Name & Name, Company & Name, Company
    Keynote: Title - Name, Job Title, Company & Name, Job Title, Company

Groups are joined by "; " (or " & " when there are two), the people of a group by ", " and a
last " & " (" and " in some entries), and each group ends with the company. So "X, Y & Z, W" is
either X at Y and Z at W, or X, Y and Z at W: the reader decides from what the whole file says
about Y (a company elsewhere, a person elsewhere) and from what Y looks like. What cannot be
read as people stays in the title, so no text is lost.

Entries without speakers in a logistics category (registration, breaks, meals) are not talks;
the reader counts them as skipped. Categories become the conference's tracks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar

from bot.importers.common import (
    Options,
    Parsed,
    check_unique,
    check_zone,
    choose_slug,
    clean_text,
    days_of,
    format_of,
    html_text,
    main_event,
    make_talk,
    split_format_prefix,
    track_event,
    zone_of_city,
)
from bot.importers.records import (
    Catalog,
    CatalogFileError,
    ConferenceRecord,
    EventRecord,
    SpeakerRecord,
)
from bot.text import fold, words

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
    r"^(badge pick ?up|badge pickup|cloakroom|coat check|lunch|breakfast|coffee break|break"
    r"|registration|attendee registration)\b",
    re.IGNORECASE,
)


def is_logistics(title: str, category: str | None) -> bool:
    """A break, a meal, badge pick-up: what a schedule lists that nobody speaks at."""
    if category:
        return bool(set(words(category)) & _LOGISTICS_CATEGORY)
    return bool(_LOGISTICS_TITLE.match(fold(title)))


# --- speakers in the summary ---

# Parts of a company name that a comma separates from the rest ("Huawei Technologies Co., Ltd").
_LEGAL_SUFFIX = re.compile(
    r"^(ltd|ltd\.|inc|inc\.|llc|l\.l\.c\.|gmbh|ag|se|sa|s\.a\.|bv|b\.v\.|plc|corp|corp\.|co\.)$",
    re.IGNORECASE,
)
# Words that make a name an organisation's ("Allianz Technology", "Google Cloud").
_ORG_WORDS = {
    "technology",
    "technologies",
    "tech",
    "innovation",
    "innovations",
    "space",
    "cloud",
    "labs",
    "lab",
    "systems",
    "software",
    "solutions",
    "services",
    "networks",
    "security",
    "group",
    "bank",
    "foundation",
    "university",
    "institute",
    "research",
    "media",
    "games",
    "mobile",
    "digital",
    "consulting",
    "partners",
    "company",
    "corp",
    "co",
    "corporation",
    "works",
    "plc",
    "inc",
    "llc",
    "gmbh",
    "ltd",
    "ag",
    "hub",
    "center",
    "centre",
    "hospital",
    "energy",
    "telecom",
    "global",
    "international",
    "computing",
    "analytics",
    "academy",
    "school",
    "studio",
    "studios",
    "industries",
    "ventures",
    "agency",
    "association",
    "project",
    "community",
    "team",
    "independent",
    "freelance",
    "freelancer",
}
# Words of job titles ("Name, Staff Engineer, Company"): a part with one is not a company.
_JOB_WORDS = {
    "engineer",
    "engineering",
    "director",
    "ceo",
    "cto",
    "cio",
    "coo",
    "cfo",
    "ciso",
    "vp",
    "president",
    "founder",
    "cofounder",
    "manager",
    "head",
    "lead",
    "principal",
    "staff",
    "senior",
    "architect",
    "developer",
    "advocate",
    "maintainer",
    "chair",
    "officer",
    "scientist",
    "researcher",
    "consultant",
    "evangelist",
    "specialist",
    "analyst",
    "professor",
    "technologist",
    "executive",
    "fellow",
    "ambassador",
    "admiral",
}
# Lower-case words that belong in people's names ("Geraldine de Bastion").
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "da",
    "das",
    "do",
    "dos",
    "du",
    "di",
    "del",
    "della",
    "la",
    "le",
    "bin",
    "binti",
    "al",
    "el",
    "ten",
    "ter",
    "y",
    "zu",
    "af",
}
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]*)*\.?$")


def name_like(text: str, *, strict: bool = False) -> bool:
    """Could this be a person's name? Two to six words, capitalised but for particles.

    strict: also every word capitalised then lower case ("Peter Jausovec", not "SAP Labs"),
    and no organisation word: then it looks more like a person than a company.
    """
    parts = text.split()
    if not 2 <= len(parts) <= 6:
        return False
    for w in parts:
        if w.lower() in _PARTICLES:
            continue
        if not _NAME_WORD.match(w) or not w[0].isupper():
            return False
        if strict and (w[1:] != w[1:].lower() or len(w) < 2):
            return False
    return not (strict and set(words(text)) & _ORG_WORDS)


@dataclass
class Known:
    """Who the whole file says is a company or a person, where its grammar is unambiguous."""

    companies: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)

    def learn(self, tail: str) -> None:
        for group in tail.split(";"):
            segments = _and_split(group)
            parts = _parts(segments[-1])
            if len(parts) >= 2 and name_like(parts[0]):
                self.companies.add(fold(parts[-1]))
                self.people.add(fold(parts[0]))
                for seg in segments[:-1]:
                    if "," not in seg and name_like(seg.strip()):
                        self.people.add(fold(seg))

    def is_company(self, text: str) -> bool:
        """In "X, Y & Z, W": is Y a company (X at Y), or one more person (X, Y and Z at W)?"""
        key = fold(text)
        if key in self.companies:
            return True
        if key in self.people:
            return False
        first = key.split(" ", 1)[0]
        if first in self.companies and first not in self.people:  # "Google Cloud"
            return True
        return not name_like(text, strict=True)


def _parts(segment: str) -> list[str]:
    """'Zhonghu Xu, Huawei Co., Ltd' -> ['Zhonghu Xu', 'Huawei Co., Ltd']: legal forms rejoined."""
    parts: list[str] = []
    for p in (p.strip() for p in segment.split(",")):
        if parts and _LEGAL_SUFFIX.match(p):
            parts[-1] = f"{parts[-1]}, {p}"
        elif p:
            parts.append(p)
    return parts


_AND = re.compile(r"\s+and\s+")


def _and_split(group: str) -> list[str]:
    """Split a group at " & ", and at " and " where a person's name follows (not "Cloud and
    Infrastructure", a job title)."""
    segments: list[str] = []
    for piece in group.split(" & "):
        start = 0
        for m in _AND.finditer(piece):
            following = piece[m.end() :].split(",", 1)[0].strip()
            if name_like(following, strict=True):
                segments.append(piece[start : m.start()])
                start = m.end()
        segments.append(piece[start:])
    return [s.strip() for s in segments]


def parse_people(tail: str, known: Known) -> list[SpeakerRecord] | None:
    """The people of a summary's tail, or None when it does not read as a list of people."""
    people: list[SpeakerRecord] = []
    for group in tail.split(";"):
        segments = _and_split(group)
        pending: list[str] = []
        for i, segment in enumerate(segments):
            parts = _parts(segment)
            if not parts:
                return None
            last = i == len(segments) - 1
            if len(parts) == 1:
                pending.append(parts[0])
                if last:  # names with no company at all
                    people.extend(SpeakerRecord(n) for n in pending)
                continue
            titled = len(parts) > 2 and any(set(words(p)) & _JOB_WORDS for p in parts[1:-1])
            if last or titled or known.is_company(parts[-1]):
                # "Name, Company" or "Name, Job Title, ..., Company"; earlier names share it
                company = parts[-1]
                people.extend(SpeakerRecord(n, company) for n in [*pending, parts[0]])
                pending = []
            else:  # "Name, Name, Name" going on to "& Name, Company"
                pending.extend(parts)
    if not people or not all(name_like(p.name) for p in people):
        return None
    return people


def split_summary(summary: str, known: Known) -> tuple[str, list[SpeakerRecord]]:
    """A Sched SUMMARY as (title, speakers); the whole summary as the title when it names none."""
    head, sep, tail = summary.rpartition(" - ")
    if not sep or "," not in tail or not head.strip():
        return summary, []
    people = parse_people(tail, known)
    if people is None:
        return summary, []
    return head.strip(), people


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
        _head, sep, tail = e.summary.rpartition(" - ")
        if sep and "," in tail:
            known.learn(tail)

    events: dict[str, EventRecord] = {}
    talks = []
    skipped: list[str] = []
    name = _conference_name(cal) or calname or slug
    options.progress.start(len(entries), path)
    for e in entries:
        options.progress.advance()
        if not e.summary:
            raise CatalogFileError(f"{e.where}: the entry has no SUMMARY (title)")
        title, people = split_summary(e.summary, known)
        if not people and is_logistics(title, e.category):
            skipped.append(title)
            continue
        event = track_event(e.category, e.where) if e.category else main_event(slug, name)
        events.setdefault(event.slug, event)
        title, prefix_format = split_format_prefix(title)
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
                format=prefix_format or format_of(e.category),
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
    check_unique(talks, path)
    starts, ends = days_of(talks)
    url = None
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
        url=url,
    )
    catalog = Catalog(conference, list(events.values()), talks)
    return Parsed(path, "sched-ics", catalog, skipped, notes)
