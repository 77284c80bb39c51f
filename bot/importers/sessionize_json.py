"""Sessionize's "All data" JSON export (the API's /view/All).

    {"sessions": [{"id", "title", "description", "startsAt", "endsAt", "isServiceSession",
                   "speakers": [speaker id], "categoryItems": [item id], "roomId"}],
     "speakers": [{"id", "fullName", "tagLine"}],
     "categories": [{"title", "items": [{"id", "name"}]}], "rooms": [{"id", "name"}]}

Times are local and carry no zone: --timezone says which (else UTC). The file does not name
its conference: --event does, else the file name. Service sessions (breaks, registration) are
not talks. A category whose title says track becomes the events; one whose title says format
or type gives the talk format. A speaker's company is only in the free-text tagLine: taken
when it says "... at Company", "... @ Company", names a legal form (GmbH, Inc., Ltd, ...), or is
a bare name of no job.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from bot.importers.checks import check_unique, days_of, make_talk
from bot.importers.naming import choose_slug, main_event, track_event
from bot.importers.people import company_of
from bot.importers.records import (
    Catalog,
    CatalogFileError,
    ConferenceRecord,
    EventRecord,
    Options,
    Parsed,
    SpeakerRecord,
    TalkRecord,
)
from bot.importers.text import clean_text, format_of, html_text, split_format_prefix
from bot.importers.zones import check_zone, iso_datetime
from bot.text import words


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CatalogFileError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogFileError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _key(value: Any) -> str:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def read(data: Any, path: str, options: Options) -> Parsed:
    root = _mapping(data, path)
    sessions = _list(root.get("sessions"), f"{path}: sessions")
    notes: list[str] = []
    slug = choose_slug(options, None, "", path, notes)
    name = " ".join(w.capitalize() if not w.isdigit() else w for w in slug.split("-"))
    if options.timezone:
        tz = check_zone(options.timezone, f"{path}: --timezone")
        notes.append(f"time zone {tz}: from --timezone")
    else:
        tz = "UTC"
        notes.append(
            "time zone UTC: Sessionize gives local times without a zone (--timezone names it)"
        )
    zone = ZoneInfo(tz)

    speakers: dict[str, SpeakerRecord] = {}
    for i, raw in enumerate(_list(root.get("speakers"), f"{path}: speakers")):
        where = f"{path}: speakers[{i}]"
        person = _mapping(raw, where)
        full = person.get("fullName") or " ".join(
            str(person.get(k) or "") for k in ("firstName", "lastName")
        )
        if not isinstance(full, str) or not full.strip():
            raise CatalogFileError(f"{where}: a speaker without a name ('fullName')")
        tag = person.get("tagLine")
        speakers[_key(person.get("id"))] = SpeakerRecord(
            clean_text(full),
            company_of(tag if isinstance(tag, str) else None),
            _key(person.get("id"))[:200] or None,
        )
    rooms = {
        _key(r.get("id")): clean_text(str(r.get("name") or ""))
        for r in _list(root.get("rooms"), f"{path}: rooms")
        if isinstance(r, dict)
    }
    tracks: dict[str, str] = {}
    formats: dict[str, str] = {}
    for c, raw_cat in enumerate(_list(root.get("categories"), f"{path}: categories")):
        cat = _mapping(raw_cat, f"{path}: categories[{c}]")
        said = set(words(str(cat.get("title") or "")))
        target = tracks if said & {"track", "tracks", "stream", "topic", "event"} else None
        if said & {"format", "type", "length"}:
            target = formats
        if target is None:
            continue
        for item in _list(cat.get("items"), f"{path}: categories[{c}].items"):
            if isinstance(item, dict) and item.get("name"):
                target[_key(item.get("id"))] = clean_text(str(item["name"]))

    events: dict[str, EventRecord] = {}
    talks: list[TalkRecord] = []
    wheres: list[str] = []
    skipped: list[str] = []
    options.progress.start(len(sessions), path)
    for i, raw in enumerate(sessions):
        options.progress.advance()
        where = f"{path}: sessions[{i}]"
        session = _mapping(raw, where)
        sid = _key(session.get("id"))
        if sid:
            where += f" (id {sid[:60]})"
        title = clean_text(str(session.get("title") or ""))
        if session.get("isServiceSession"):
            skipped.append(title)
            continue
        people: list[SpeakerRecord] = []
        for ref in _list(session.get("speakers"), f"{where}: speakers"):
            if isinstance(ref, dict):  # some exports inline {"id", "name"}
                ref = ref.get("id")
            speaker = speakers.get(_key(ref))
            if speaker is None:
                raise CatalogFileError(f"{where}: speaker {str(ref)[:60]!r} is not in 'speakers'")
            people.append(speaker)
        items = [_key(x) for x in _list(session.get("categoryItems"), f"{where}: categoryItems")]
        track = next((tracks[x] for x in items if x in tracks), None)
        kind = next((formats[x] for x in items if x in formats), None)
        event = track_event(track, where) if track else main_event(slug, name)
        events.setdefault(event.slug, event)
        title, prefix_format = split_format_prefix(title)
        wheres.append(where)
        starts = _local(session.get("startsAt"), where, "startsAt", zone)
        ends = _local(session.get("endsAt"), where, "endsAt", zone)
        talks.append(
            make_talk(
                where,
                source_id=sid,
                title=title,
                event=event.slug,
                format=prefix_format or format_of(kind),
                starts_at=starts,
                ends_at=ends,
                zone=zone,
                room=rooms.get(_key(session.get("roomId"))),
                summary=html_text(str(session.get("description") or "")),
                speakers=people,
                video_url=str(session.get("recordingUrl") or "").strip() or None,
            )
        )
    options.progress.finish()
    check_unique(talks, path, wheres)
    starts_day, ends_day = days_of(talks)
    conference = ConferenceRecord(
        slug=slug,
        name=name[:300],
        timezone=tz,
        starts=starts_day,
        ends=ends_day,
        day_one=starts_day,
    )
    return Parsed(
        path, "sessionize-json", Catalog(conference, list(events.values()), talks), skipped, notes
    )


def _local(value: Any, where: str, key: str, zone: ZoneInfo) -> dt.datetime | None:
    if value is None or value == "":
        return None
    moment = iso_datetime(value, where, key)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
