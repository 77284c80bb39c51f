"""Our own hand-editable catalog format (see data/catalog/*.yaml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.importers.links import kind_of, link_title
from bot.importers.records import (
    FORMATS,
    Catalog,
    CatalogFileError,
    ConferenceRecord,
    EventRecord,
    SpeakerRecord,
    TalkRecord,
)


def _text(item: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CatalogFileError(f"{where}: '{key}' is required")
        return None
    if not isinstance(value, str | int | float):
        raise CatalogFileError(f"{where}: '{key}' must be text, got {type(value).__name__}")
    return str(value).strip()


def _date(item: dict[str, Any], key: str, where: str) -> dt.date | None:
    value = item.get(key)
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CatalogFileError(f"{where}: '{key}' must be a date like 2024-03-19") from None


def _url(item: dict[str, Any], key: str, where: str) -> str | None:
    value = _text(item, key, where, required=False)
    if value is not None and not value.startswith(("https://", "http://")):
        raise CatalogFileError(f"{where}: '{key}' must be an http(s) link")
    return value


def _conference(raw: Any, where: str) -> ConferenceRecord:
    if not isinstance(raw, dict):
        raise CatalogFileError(f"{where}: 'conference' must be a mapping")
    tz = _text(raw, "timezone", where, required=False) or "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CatalogFileError(f"{where}: unknown time zone {tz!r}") from None
    return ConferenceRecord(
        slug=_text(raw, "slug", where) or "",
        name=_text(raw, "name", where) or "",
        timezone=tz,
        city=_text(raw, "city", where, required=False),
        starts=_date(raw, "starts", where),
        ends=_date(raw, "ends", where),
        day_one=_date(raw, "day_one", where),
        url=_url(raw, "url", where),
    )


def _event(raw: Any, where: str) -> EventRecord:
    if not isinstance(raw, dict):
        raise CatalogFileError(f"{where}: must be a mapping")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list):
        raise CatalogFileError(f"{where}: 'aliases' must be a list")
    return EventRecord(
        slug=_text(raw, "slug", where) or "",
        name=_text(raw, "name", where) or "",
        kind=_text(raw, "kind", where, required=False) or "colocated",
        aliases=tuple(str(a) for a in aliases),
        url=_url(raw, "url", where),
    )


def _talk(raw: Any, where: str, events: set[str]) -> TalkRecord:
    if not isinstance(raw, dict):
        raise CatalogFileError(f"{where}: must be a mapping")
    event = _text(raw, "event", where) or ""
    if event not in events:
        raise CatalogFileError(
            f"{where}: event {event!r} is not one of: {', '.join(sorted(events))}"
        )
    fmt = _text(raw, "format", where, required=False) or "talk"
    if fmt not in FORMATS:
        raise CatalogFileError(f"{where}: format {fmt!r} is not one of: {', '.join(FORMATS)}")
    speakers = raw.get("speakers") or []
    if not isinstance(speakers, list):
        raise CatalogFileError(f"{where}: 'speakers' must be a list")
    people = []
    for n, person in enumerate(speakers, 1):
        spot = f"{where}, speaker {n}"
        if not isinstance(person, dict):
            raise CatalogFileError(f"{spot}: must be a mapping with 'name' (and 'company')")
        people.append(
            SpeakerRecord(
                name=_text(person, "name", spot) or "",
                company=_text(person, "company", spot, required=False),
            )
        )
    url = _url(raw, "url", where)
    # a recording named as such, or a talk whose only link is its recording (the seed's YouTube)
    video = _url(raw, "video", where) or (url if url and kind_of(url) == "video" else None)
    slides = _url(raw, "slides", where)
    return TalkRecord(
        source_id=_text(raw, "id", where) or "",
        title=_text(raw, "title", where) or "",
        event=event,
        format=fmt,
        day=_date(raw, "date", where),
        room=_text(raw, "room", where, required=False),
        url=url,
        summary=_text(raw, "summary", where, required=False) or "",
        speakers=tuple(people),
        video_url=video,
        slides_url=slides,
        recording_title=link_title(_text(raw, "video_title", where, required=False), video),
        slides_title=link_title(_text(raw, "slides_title", where, required=False), slides),
    )


def parse(text: str, name: str) -> Catalog:
    """Parse a catalog file's text; errors name the file and the entry."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CatalogFileError(f"{name}:{place}: not valid YAML ({exc})") from None
    except ValueError as exc:  # PyYAML's own date parsing, e.g. an unquoted 2024-02-31
        raise CatalogFileError(f"{name}: a value YAML cannot read ({exc})") from None
    if not isinstance(raw, dict) or "conference" not in raw:
        raise CatalogFileError(f"{name}: expected a mapping with 'conference', 'events', 'talks'")
    conference = _conference(raw["conference"], f"{name}: conference")
    events = [_event(e, f"{name}: events[{i}]") for i, e in enumerate(raw.get("events") or [])]
    slugs = {e.slug for e in events}
    talks = []
    seen: set[str] = set()
    for i, item in enumerate(raw.get("talks") or []):
        where = f"{name}: talks[{i}]"
        if isinstance(item, dict) and item.get("id"):
            where += f" (id {item['id']})"
        talk = _talk(item, where, slugs)
        if talk.source_id in seen:
            raise CatalogFileError(f"{where}: id {talk.source_id!r} appears twice")
        seen.add(talk.source_id)
        talks.append(talk)
    return Catalog(conference=conference, events=events, talks=talks)


def load(path: Path) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise CatalogFileError(f"{path}: cannot read it ({exc.strerror})") from None
    return parse(text, str(path))
