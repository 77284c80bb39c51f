"""The frab schedule model that pretalx JSON and frab XML both describe: a conference, its
days, their rooms, their events. Each reader turns its file into plain dicts; this makes the
catalog, so the two formats cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from bot.importers.checks import check_unique, checked_url, days_of, make_talk
from bot.importers.links import Link, recording_and_slides
from bot.importers.naming import choose_slug, main_event, track_event
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
from bot.importers.zones import check_zone, duration, iso_datetime, offset_zone
from bot.times import zone_label


def mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogFileError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def as_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CatalogFileError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def as_str(value: Any, languages: tuple[str, ...] = ()) -> str:
    """Text; of a text given per language ({"en": ..., "de": ...}, as pretalx writes it), the
    first of `languages` it has, else English, else its first."""
    if isinstance(value, dict):
        given = {str(k).lower(): v for k, v in value.items() if isinstance(v, str) and v.strip()}
        for lang in (*languages, "en"):
            lang = lang.lower()
            for key in (lang, lang.split("-")[0].split("_")[0]):
                if key in given:
                    return given[key]
        return next(iter(given.values()), "")
    return value if isinstance(value, str) else "" if value is None else str(value)


def _languages(*values: Any) -> tuple[str, ...]:
    return tuple(v.strip() for v in values if isinstance(v, str) and v.strip())


def person_name(person: Any, where: str) -> str:
    if isinstance(person, str):
        return person
    person = mapping(person, where)
    for key in ("public_name", "full_public_name", "name"):
        name = person.get(key)
        if isinstance(name, str) and name.strip():
            return name
    raise CatalogFileError(f"{where}: a person without a name ('public_name')")


def person_id(person: Any) -> str | None:
    """The schedule's own id for a person (pretalx's code, frab's id), if it gives one."""
    if not isinstance(person, dict):
        return None
    for key in ("code", "guid", "id"):
        value = person.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:200]
    return None


def conference_zone(
    conf: dict[str, Any], starts: list[dt.datetime], options: Options, path: str
) -> tuple[str, str, bool]:
    """--timezone, the file's time_zone_name, or the one whole-hour offset all its times share;
    where it came from; and whether it is a named zone (else days are read off each time's own
    offset, as the file wrote them)."""
    if options.timezone:
        return check_zone(options.timezone, f"{path}: --timezone"), "from --timezone", True
    named = clean_text(as_str(conf.get("time_zone_name")))
    offsets = Counter(off for s in starts if (off := s.utcoffset()) is not None)
    if named:
        zone = ZoneInfo(check_zone(named, f"{path}: time_zone_name"))
        fixed = offset_zone(offsets)
        if (
            fixed
            and starts
            and all(s.astimezone(zone).utcoffset() != s.utcoffset() for s in starts)
        ):
            # "UTC" while every time says +01:00: the times are right, the name is not
            return (
                fixed,
                f"the one UTC offset of all its times ({_offset(offsets)}): the file's "
                f"time_zone_name {named} disagrees with every time it gives, so it is not used "
                "(--timezone names the zone, e.g. Europe/Berlin)",
                False,
            )
        return named, "from the file's time_zone_name", True
    fixed = offset_zone(offsets)
    if fixed:
        return (
            fixed,
            f"the one UTC offset of all its times ({_offset(offsets)}); the file names no zone "
            "(--timezone names it, e.g. Europe/Berlin)",
            False,
        )
    return "UTC", "the file names no zone (--timezone names it)", False


def _contradictions(
    starts: dict[str, dt.datetime | None], zone: ZoneInfo, tz: str, notes: list[str]
) -> None:
    """A note when times carry an offset the conference's zone does not have at that moment
    ("+02:00" in January in Europe/Berlin): kept as the instants written, but said."""
    timed = [(where, s) for where, s in starts.items() if s is not None and s.tzinfo is not None]
    wrong = [(where, s) for where, s in timed if s.utcoffset() != s.astimezone(zone).utcoffset()]
    if not wrong:
        return
    where, first = wrong[0]
    offset = _offset(Counter([first.utcoffset() or dt.timedelta()]))
    local = _offset(Counter([first.astimezone(zone).utcoffset() or dt.timedelta()]))
    shown = zone_label(tz)
    notes.append(
        f"{len(wrong)} of {len(timed)} times carry a UTC offset that {shown} does not have "
        f"at that moment (the first: {where}, {offset} where {shown} is {local}); "
        "each is kept as the instant it writes: check the file, or name the zone with --timezone"
    )


def _offset(offsets: Counter[dt.timedelta]) -> str:
    (offset,) = offsets
    minutes = int(offset.total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def read_schedule(
    conf: dict[str, Any],
    raw_days: list[tuple[str, Any, list[tuple[str, Any, list[tuple[str, dict[str, Any]]]]]]],
    *,
    path: str,
    format_key: str,
    options: Options,
    base_url: str | None,
) -> Parsed:
    """Shared by the JSON and XML readers: the conference and its days of rooms of events.

    raw_days: (where, day date, [(where, room name, [(where, event fields)])]); event fields
    are the JSON keys, with persons as names.
    """
    notes: list[str] = []
    # the conference's own language, where the file names one
    locale = _languages(conf.get("locale"), conf.get("language"), conf.get("default_language"))
    title = clean_text(as_str(conf.get("title"), locale))
    acronym = clean_text(as_str(conf.get("acronym"), locale))
    slug = choose_slug(options, acronym or title, "the file's conference acronym", path, notes)
    name = (title or acronym or slug)[:300]

    flat: list[tuple[str, Any, str, dict[str, Any]]] = []
    for _, day_date, rooms in raw_days:
        for _, room_name, entries in rooms:
            for where, ev in entries:
                flat.append((where, day_date, room_name, ev))

    starts: dict[str, dt.datetime | None] = {}
    for where, day_date, _room, ev in flat:
        starts[where] = _start(ev, day_date, where)
    tz, source, named = conference_zone(
        conf, [s for s in starts.values() if s and s.tzinfo], options, path
    )
    shown = tz if zone_label(tz) == tz else f"{zone_label(tz)} ({tz})"
    notes.append(f"time zone {shown}: {source}")
    zone = ZoneInfo(tz)
    if named:
        _contradictions(starts, zone, tz, notes)

    events: dict[str, EventRecord] = {}
    talks: list[TalkRecord] = []
    wheres: list[str] = []
    options.progress.start(len(flat), path)
    for where, _day_date, room_name, ev in flat:
        options.progress.advance()
        sid = ev.get("guid") or ev.get("id")
        if sid is not None and not isinstance(sid, str | int):
            raise CatalogFileError(f"{where}: 'guid' must be text")
        place = f"{where} (id {str(sid)[:60]})" if sid is not None else where
        wheres.append(place)
        track = clean_text(as_str(ev.get("track"), locale))
        event = track_event(track, place) if track else main_event(slug, name)
        events.setdefault(event.slug, event)
        start = starts[where]
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=zone)
        length = duration(ev.get("duration"), place)
        title, prefix_format = split_format_prefix(clean_text(as_str(ev.get("title"), locale)))
        subtitle = clean_text(as_str(ev.get("subtitle"), locale))
        # both, when both are given: the description is often the longer half of the story
        abstract = html_text(as_str(ev.get("abstract"), locale))
        description = html_text(as_str(ev.get("description"), locale))
        summary = abstract
        if description and description not in abstract:
            summary = f"{abstract}\n\n{description}" if abstract else description
        if subtitle and subtitle not in summary:
            summary = f"{subtitle}. {summary}" if summary else subtitle
        url = as_str(ev.get("url")).strip()
        if url.startswith("/") and base_url:
            url = base_url.rstrip("/") + url
        links = _urls(ev.get("links"), f"{place}: links", base_url)
        attachments = _urls(ev.get("attachments"), f"{place}: attachments", base_url)
        video, slides = recording_and_slides(links, attachments)
        # a recording the file names as such wins, untitled unless it is the link found
        named_video = as_str(ev.get("recording_url") or ev.get("video_url")).strip()
        if named_video and (video is None or video.url != named_video):
            video = Link(named_video, "")
        persons = as_list(ev.get("persons"), f"{place}: persons")
        people = [
            SpeakerRecord(
                clean_text(person_name(p, f"{place}: persons[{i}]")), person_id=person_id(p)
            )
            for i, p in enumerate(persons)
        ]
        talks.append(
            make_talk(
                place,
                source_id=sid,
                title=title,
                event=event.slug,
                format=prefix_format or format_of(as_str(ev.get("type"), locale), track),
                starts_at=start,
                ends_at=start + length if start is not None and length is not None else None,
                zone=zone if named else None,
                room=clean_text(as_str(ev.get("room"), locale)) or room_name,
                url=url,
                summary=summary,
                speakers=people,
                video_url=video.url if video else None,
                slides_url=slides.url if slides else None,
                recording_title=video.title if video else "",
                slides_title=slides.title if slides else "",
            )
        )
    options.progress.finish()
    check_unique(talks, path, wheres)
    starts_day, ends_day = days_of(talks)
    conference = ConferenceRecord(
        slug=slug,
        name=name,
        timezone=tz,
        starts=_date(conf.get("start"), f"{path}: conference start") or starts_day,
        ends=_date(conf.get("end"), f"{path}: conference end") or ends_day,
        day_one=_date(raw_days[0][1], f"{raw_days[0][0]}: date") if raw_days else None,
        url=checked_url(base_url, f"{path}: base_url") if base_url else None,
    )
    catalog = Catalog(conference, list(events.values()), talks)
    return Parsed(path, format_key, catalog, [], notes)


def _urls(value: Any, where: str, base_url: str | None) -> list[tuple[str, str]]:
    """The http(s) links of a `links` or `attachments` list ({"url"|"href", "title"}); a
    path is taken against the conference's site (pretalx gives "/media/...")."""
    out = []
    for link in as_list(value, where):
        if not isinstance(link, dict):
            continue
        url = as_str(link.get("url") or link.get("href")).strip()
        if url.startswith("/") and not url.startswith("//") and base_url:
            url = urljoin(base_url, url)
        if url.startswith(("https://", "http://")):
            out.append((url, clean_text(as_str(link.get("title")))))
    return out


def _date(value: Any, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise CatalogFileError(
            f"{where}: {str(value)[:40]!r} is not a date like 2024-12-27"
        ) from None


def _start(ev: dict[str, Any], day_date: Any, where: str) -> dt.datetime | None:
    """The event's start: its full `date`, else its day's date and its `start` (HH:MM)."""
    if ev.get("date"):
        return iso_datetime(ev.get("date"), where, "date")
    start = as_str(ev.get("start")).strip()
    if not start:
        return None
    day = _date(day_date, f"{where}: day")
    if day is None:
        raise CatalogFileError(f"{where}: 'start' {start!r} without a date")
    try:
        clock = dt.time.fromisoformat(start)
    except ValueError:
        raise CatalogFileError(
            f"{where}: 'start' {start[:20]!r} is not a time like 10:30"
        ) from None
    return dt.datetime.combine(day, clock)
