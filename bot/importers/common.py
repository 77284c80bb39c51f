"""What the format readers share: options, the parse result, names, time zones, checked records.

Every reader turns untrusted text into the records of `records.py`; the helpers here check what
the store's columns can hold, so a hostile or broken file fails with a CatalogFileError that names
the file and the entry, never with a database error half-way through an import.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import click

from bot.importers.records import (
    FORMATS,
    Catalog,
    CatalogFileError,
    EventRecord,
    SpeakerRecord,
    TalkRecord,
)
from bot.text import words

# Column sizes of the store (bot/store/models.py), and sane caps for the Text columns.
MAX_SLUG = 100
MAX_NAME = 300
MAX_URL = 1000
MAX_SOURCE_ID = 200
MAX_TITLE = 1000
MAX_SUMMARY = 50_000
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")

# Words in a file name that say what kind of export it is, not which conference.
_GENERIC_NAME_WORDS = {
    "sched",
    "sessionize",
    "pretalx",
    "frab",
    "schedule",
    "export",
    "all",
    "data",
    "calendar",
    "ical",
    "ics",
    "json",
    "xml",
    "yaml",
    "yml",
}
_ISO_DATE_IN_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")


class Progress:
    """Told how many entries a file holds, then of each one read. Silent unless subclassed."""

    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True)
class Options:
    """What the command line may say about a file: `--event` and `--timezone`."""

    conference: str | None = None
    timezone: str | None = None
    progress: Progress = field(default_factory=Progress)


@dataclass
class Parsed:
    """One file, read: its catalog, the entries left out, and how names and zones were chosen."""

    path: str
    format: str  # a key of FORMAT_NAMES
    catalog: Catalog
    skipped: list[str] = field(default_factory=list)  # titles of non-talk entries
    notes: list[str] = field(default_factory=list)


FORMAT_NAMES = {
    "sched-ics": "Sched iCalendar",
    "pretalx-json": "pretalx/frab schedule JSON",
    "frab-xml": "frab schedule XML",
    "sessionize-json": "Sessionize All data JSON",
    "catalog-yaml": "catalog YAML",
}


# --- names ---


def slugify(text: str) -> str:
    """'Ethics, Society & Politics' -> 'ethics-society-politics' (accents folded, emoji dropped)."""
    return "-".join(words(text))[:MAX_SLUG].strip("-")


def check_slug(slug: str, what: str) -> str:
    if not SLUG.match(slug):
        raise CatalogFileError(
            f"{what}: {slug!r} is not a usable slug; use lower-case letters, digits and '-' "
            f"(at most {MAX_SLUG} characters), e.g. kubecon-eu-2026"
        )
    return slug


def slug_from_file_name(path: str) -> str:
    """'sessionize-global-azure-austria-2024.json' -> 'global-azure-austria-2024'.

    Export words (sched, sessionize, schedule, ...) and day stamps (2026-03-24, as per-day
    exports carry) say nothing about which conference it is, so they are dropped.
    """
    stem = _ISO_DATE_IN_NAME.sub(" ", Path(path).stem)
    return slugify(" ".join(w for w in words(stem) if w not in _GENERIC_NAME_WORDS))


def choose_slug(
    options: Options, from_file: str | None, source: str, path: str, notes: list[str]
) -> str:
    """--event, else what the file calls itself, else its file name; says which in a note."""
    if options.conference:
        notes.append(f"conference {options.conference} (from --event)")
        return check_slug(options.conference, f"{path}: --event")
    if from_file:
        slug = slugify(from_file)
        if slug:
            notes.append(f"conference {slug} (from {source}; --event names it otherwise)")
            return check_slug(slug, f"{path}: {source}")
    slug = slug_from_file_name(path)
    if not slug:
        raise CatalogFileError(
            f"{path}: the file does not name its conference and its file name gives no name "
            "either; name it with --event, e.g. --event kubecon-eu-2026"
        )
    notes.append(
        f"conference {slug} (from the file name: the file does not name its conference; "
        "--event names it otherwise)"
    )
    return check_slug(slug, f"{path}: file name")


_SMALL_WORDS = {"and", "of", "the", "for", "in", "on", "to", "with", "a", "an", "at", "by"}


def pretty_name(text: str) -> str:
    """'🚨 CONTRIBFEST' -> 'Contribfest', 'AI + ML' stays; mixed-case names are kept as given."""
    text = clean_text(re.sub(r"[^\w\s&+,./'()-]", " ", text))
    if text != text.upper() or not any(len(w) > 4 for w in words(text)):
        return text  # mixed case as given, or all short words: "CCC", "AI + ML"
    out = []
    for i, w in enumerate(text.split(" ")):
        lower = w.lower()
        if len(w) <= 3 and lower not in _SMALL_WORDS:
            out.append(w)  # AI, ML, API
        elif i and lower in _SMALL_WORDS:
            out.append(lower)
        else:
            out.append(w[:1] + w[1:].lower())
    return " ".join(out)


def track_event(name: str, where: str) -> EventRecord:
    shown = pretty_name(name) or name.strip()
    slug = slugify(shown)
    if not slug:
        raise CatalogFileError(f"{where}: track {name!r} has no letters or digits to name it by")
    return EventRecord(slug=slug, name=clip_name(shown, f"{where}: track"), kind="track")


def main_event(slug: str, name: str) -> EventRecord:
    """The one event of a conference whose file has no tracks: every talk belongs to it."""
    return EventRecord(slug=slug, name=name, kind="main", aliases=("main",))


# --- text ---

_BLOCK_TAG = re.compile(
    r"<(?:br|/?p|/?div|/?li|/?ul|/?ol|/?h[1-6]|/?tr|/?td|/?blockquote)\b[^>]{0,2000}>", re.I
)
_TAG = re.compile(r"<[^>]{0,2000}>")
_SPACE = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """Entities decoded (&nbsp; &amp; ...), runs of white space made one space."""
    if not text:
        return ""
    return _SPACE.sub(" ", html.unescape(text).replace("\xa0", " ")).strip()


def html_text(text: str | None) -> str:
    """An abstract that may hold HTML, as plain text."""
    if not text:
        return ""
    return clean_text(_TAG.sub("", _BLOCK_TAG.sub(" ", text)))


_FORMAT_PREFIX = re.compile(
    r"^\W{0,4}(keynote|panel(?: discussion)?|lightning talk|tutorial|workshop)\s*:\s+",
    re.IGNORECASE,
)


def format_of(*hints: str | None) -> str:
    """A talk format from a session type, a category or a title: the first hint that says one."""
    for hint in hints:
        w = set(words(hint or ""))
        if "keynote" in w or "keynotes" in w:
            return "keynote"
        if w & {"panel", "panels", "podium", "roundtable", "discussion"}:
            return "panel"
        if w & {"lightning", "lightningtalk", "lightningtalks"}:
            return "lightning"
        if w & {"workshop", "workshops", "tutorial", "tutorials", "contribfest", "hands"}:
            return "workshop"
    return "talk"


def split_format_prefix(title: str) -> tuple[str, str | None]:
    """'Keynote: Welcome' -> ('Welcome', 'keynote'): the bot shows the format beside the title."""
    m = _FORMAT_PREFIX.match(title)
    if not m or not title[m.end() :].strip():
        return title, None
    return title[m.end() :].strip(), format_of(m.group(1))


# --- time ---


@cache
def _zone_names() -> dict[str, str]:
    """'amsterdam' -> 'Europe/Amsterdam', for every zone named after a city."""
    names: dict[str, str] = {}
    for zone in sorted(available_timezones()):
        if zone.startswith(("Etc/", "SystemV/", "US/")) or "/" not in zone:
            continue
        names.setdefault(zone.rsplit("/", 1)[-1].replace("_", " ").lower(), zone)
    return names


def zone_of_city(city: str | None) -> str | None:
    return _zone_names().get(city.strip().lower()) if city else None


def check_zone(name: str, what: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CatalogFileError(
            f"{what}: unknown time zone {name!r}; use a name like Europe/Amsterdam"
        ) from None
    return name


def offset_zone(offsets: Counter[dt.timedelta]) -> str | None:
    """The fixed-offset zone (Etc/GMT-1 for +01:00) when every time has one whole-hour offset."""
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    hours, rest = divmod(offset.total_seconds(), 3600)
    if rest or not -12 <= hours <= 14:
        return None
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{-int(hours):+d}"  # the POSIX sign: Etc/GMT-1 is UTC+01:00


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """Aware UTC, as the store keeps times (SQLite drops the offset, so it must be UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("a time without a zone")
    return value.astimezone(dt.UTC)


_DURATION = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")


def duration(text: object, where: str) -> dt.timedelta | None:
    """'01:30' as frab and pretalx write it, or '00:30:00'."""
    if text is None or not str(text).strip():
        return None
    m = _DURATION.match(str(text).strip())
    if not m:
        raise CatalogFileError(f"{where}: duration {str(text)[:40]!r} is not like 00:45")
    hours, minutes, seconds = m.groups()
    return dt.timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))


def iso_datetime(text: object, where: str, key: str) -> dt.datetime:
    if not isinstance(text, str) or not text.strip():
        raise CatalogFileError(f"{where}: '{key}' must be a date and time like 2024-03-19T10:30")
    try:
        return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CatalogFileError(
            f"{where}: '{key}' {text[:40]!r} is not a date and time like 2024-03-19T10:30"
        ) from None


# --- checked records ---


def clip_name(text: str, where: str, limit: int = MAX_NAME) -> str:
    if len(text) > limit:
        raise CatalogFileError(f"{where}: {len(text):,} characters, more than the {limit} allowed")
    return text


def checked_url(url: str | None, where: str) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise CatalogFileError(f"{where}: link {url[:80]!r} is not an http(s) link")
    return clip_name(url, f"{where}: link", MAX_URL)


def make_talk(
    where: str,
    *,
    source_id: object,
    title: str,
    event: str,
    format: str = "talk",
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    zone: ZoneInfo | None = None,
    day: dt.date | None = None,
    room: str | None = None,
    url: str | None = None,
    summary: str = "",
    speakers: list[SpeakerRecord] | tuple[SpeakerRecord, ...] = (),
) -> TalkRecord:
    """A talk whose every field fits the store; times in UTC and its day in the local zone."""
    sid = str(source_id).strip() if source_id is not None else ""
    if not sid:
        raise CatalogFileError(f"{where}: the entry has no id")
    clip_name(sid, f"{where}: id", MAX_SOURCE_ID)
    title = clean_text(title)
    if not title:
        raise CatalogFileError(f"{where}: the entry has no title")
    clip_name(title, f"{where}: title", MAX_TITLE)
    if format not in FORMATS:
        raise CatalogFileError(f"{where}: format {format!r} is not one of {', '.join(FORMATS)}")
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise CatalogFileError(f"{where}: it ends ({ends_at}) before it starts ({starts_at})")
    if starts_at is not None and day is None:
        day = starts_at.astimezone(zone).date() if zone else starts_at.date()
    summary = summary.strip()
    clip_name(summary, f"{where}: summary", MAX_SUMMARY)
    people = []
    for n, s in enumerate(speakers, 1):
        name = clean_text(s.name)
        if not name:
            continue
        company = clean_text(s.company) or None
        clip_name(name, f"{where}: speaker {n}")
        if company:
            clip_name(company, f"{where}: speaker {n}'s company")
        people.append(SpeakerRecord(name, company))
    room = clean_text(room) or None
    if room:
        clip_name(room, f"{where}: room")
    return TalkRecord(
        source_id=sid,
        title=title,
        event=event,
        format=format,
        day=day,
        starts_at=utc(starts_at),
        ends_at=utc(ends_at),
        room=room,
        url=checked_url(url, where),
        summary=summary,
        speakers=tuple(people),
    )


def check_unique(talks: list[TalkRecord], path: str) -> None:
    seen: set[str] = set()
    for t in talks:
        if t.source_id in seen:
            raise CatalogFileError(f"{path}: id {t.source_id!r} appears twice ({t.title!r})")
        seen.add(t.source_id)


def days_of(talks: list[TalkRecord]) -> tuple[dt.date | None, dt.date | None]:
    days = [t.day for t in talks if t.day]
    return (min(days), max(days)) if days else (None, None)


class TerminalProgress(Progress):
    """A progress bar on stderr for files of more than `threshold` entries."""

    def __init__(self, threshold: int = 500) -> None:
        self.threshold = threshold
        self._bar = None

    def start(self, total: int, label: str) -> None:
        if total > self.threshold:
            self._bar = click.progressbar(
                length=total,
                label=f"reading {Path(label).name} ({total:,} entries)",
                file=sys.stderr,
            )
            self._bar.__enter__()

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
