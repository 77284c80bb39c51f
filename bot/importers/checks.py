"""Records checked against what the store's columns hold.

A hostile or broken file fails here with a CatalogFileError that names the file and the entry,
never with a database error half-way through an import.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.importers.links import link_title
from bot.importers.records import FORMATS, CatalogFileError, SpeakerRecord, TalkRecord
from bot.importers.text import clean_text
from bot.importers.zones import utc

# Column sizes of the store (bot/store/models.py), and sane caps for the Text columns.
MAX_SLUG = 100
MAX_NAME = 300
MAX_URL = 1000
MAX_SOURCE_ID = 200
MAX_TITLE = 1000
MAX_SUMMARY = 50_000
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")


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
    video_url: str | None = None,
    slides_url: str | None = None,
    recording_title: str = "",
    slides_title: str = "",
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
        people.append(SpeakerRecord(name, company, s.person_id))
    room = clean_text(room) or None
    if room:
        clip_name(room, f"{where}: room")
    video_url = checked_url(video_url, f"{where}: recording")
    slides_url = checked_url(slides_url, f"{where}: slides")
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
        video_url=video_url,
        slides_url=slides_url,
        recording_title=link_title(recording_title, video_url),
        slides_title=link_title(slides_title, slides_url),
    )


def check_unique(talks: list[TalkRecord], path: str, wheres: list[str] | None = None) -> None:
    """Refuse a file that gives two entries one id, naming both (`wheres`: each talk's place
    in the file, by line or entry)."""
    seen: dict[str, int] = {}
    for i, t in enumerate(talks):
        first = seen.setdefault(t.source_id, i)
        if first == i:
            continue
        if wheres is None:
            raise CatalogFileError(f"{path}: id {t.source_id!r} appears twice ({t.title!r})")
        raise CatalogFileError(
            f"{wheres[i]}: id {t.source_id!r} ({t.title!r}) appears twice: first at "
            f"{wheres[first].removeprefix(path + ': ')} ({talks[first].title!r})"
        )


# More speakers than any stage holds: kept to this many, with a note in the import report.
MAX_SPEAKERS = 100


def review(talks: list[TalkRecord], notes: list[str]) -> list[TalkRecord]:
    """What a file may hold but should not be taken silently: each a note; a talk with an
    absurd number of speakers keeps the first MAX_SPEAKERS."""
    out = []
    for t in talks:
        if len(t.speakers) > MAX_SPEAKERS:
            notes.append(
                f"talk {t.source_id[:60]!r} ({t.title[:80]!r}) lists {len(t.speakers):,} "
                f"speakers: only the first {MAX_SPEAKERS} are kept"
            )
            t = replace(t, speakers=t.speakers[:MAX_SPEAKERS])
        out.append(t)
    return out


def days_of(talks: list[TalkRecord]) -> tuple[dt.date | None, dt.date | None]:
    days = [t.day for t in talks if t.day]
    return (min(days), max(days)) if days else (None, None)
