"""What every importer produces: plain records, independent of the file format and the store;
and what a reader is told (Options) and hands back (Parsed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

FORMATS = ("talk", "lightning", "panel", "keynote", "workshop")


@dataclass(frozen=True)
class SpeakerRecord:
    name: str
    company: str | None = None
    # the source's id for the person (pretalx, frab, Sessionize): who they are, whatever the
    # spelling; None where the source has none (Sched), and then the name says who
    person_id: str | None = None


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
    video_url: str | None = None  # the recording
    slides_url: str | None = None
    # the links' own titles ("Keynote at FOSDEM, full version"), "" where none says more
    recording_title: str = ""
    slides_title: str = ""


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
    # ids that are the source's own, the same whichever conference imports them (Sched UIDs):
    # another conference holding them is the same file imported under another name
    global_ids: bool = False
    conference_named: bool = False  # by --event: talks another conference holds move here


FORMAT_NAMES = {
    "sched-ics": "Sched iCalendar",
    "pretalx-json": "pretalx/frab schedule JSON",
    "frab-xml": "frab schedule XML",
    "sessionize-json": "Sessionize All data JSON",
    "catalog-yaml": "catalog YAML",
}
