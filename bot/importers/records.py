"""What every importer produces: plain records, independent of the file format and the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

FORMATS = ("talk", "lightning", "panel", "keynote", "workshop")


@dataclass(frozen=True)
class SpeakerRecord:
    name: str
    company: str | None = None


@dataclass(frozen=True)
class EventRecord:
    slug: str
    name: str
    kind: str = "colocated"
    aliases: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class TalkRecord:
    source_id: str
    title: str
    event: str  # an EventRecord slug
    format: str = "talk"
    day: dt.date | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    room: str | None = None
    url: str | None = None
    summary: str = ""
    speakers: tuple[SpeakerRecord, ...] = ()


@dataclass(frozen=True)
class ConferenceRecord:
    slug: str
    name: str
    timezone: str = "UTC"
    city: str | None = None
    starts: dt.date | None = None
    ends: dt.date | None = None
    day_one: dt.date | None = None
    url: str | None = None


@dataclass
class Catalog:
    """One conference's schedule as a file describes it (the whole of it)."""

    conference: ConferenceRecord
    events: list[EventRecord] = field(default_factory=list)
    talks: list[TalkRecord] = field(default_factory=list)


class CatalogFileError(Exception):
    """A file that cannot be imported; the message names the file and the place."""
