"""Every talk's row in memory, in schedule order, loaded once per catalog revision.

An answer then needs no database round trip for its rows: an event's or a person's talks are
slices of lists built here, and a search returns only ids. Summaries are not held: an answer
showing a few talks in full reads theirs. Each talk's one-line form is
rendered the first time an answer shows it and kept for the revision.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Select, func, literal_column, select

from bot.store import Db
from bot.store.models import Conference, Event, Talk

# the id a schedule's page for a talk carries: Sched's /event/1YFe7/..., pretalx's /talk/ABCDE/,
# frab's /events/6037.html, Sched's short sched.co/1YFe7; people paste it, or the whole link
URL_ID = re.compile(
    r"(?:/(?:event|events|talk|talks|session|sessions)/|//sched\.co/)"
    r"([A-Za-z0-9_-]{3,64})(?:[./?#]|$)"
)
# what a catalog load reads its rows with: a few thousand at a time, not all at once
# (see catalog_index.streaming)
STREAM = {"yield_per": 2000}
RANKED = 256  # very common queries whose first ranked hits are kept: about 8 KB each
MADE = 4096  # rows kept once built (Rows): about 2 MB


class TalkRow(NamedTuple):  # a tuple: built ten times per answer, several times faster
    id: int
    title: str
    url: str | None
    speakers_line: str
    format: str
    day: dt.date | None
    starts_at: dt.datetime | None
    room: str | None
    summary: str
    event_name: str
    timezone: str
    video_url: str | None
    slides_url: str | None
    recording_title: str
    slides_title: str


# the columns of TalkRow, in its order (search reads the same ones)
ROW_COLUMNS = (
    Talk.id,
    Talk.title,
    Talk.url,
    Talk.speakers_line,
    Talk.format,
    Talk.day,
    Talk.starts_at,
    Talk.room,
    Talk.summary,  # read here for a few rows only: the table holds none (see TalkTable.load)
    Event.name,
    Conference.timezone,
    Talk.video_url,
    Talk.slides_url,
    Talk.recording_title,
    Talk.slides_title,
)
# the table's: no summary (only the few talks an answer shows in full need theirs, read then
# by search.with_summaries: 13 MB less for 50,000 talks), then the talk's event and
# conference, for the per-event lists
_COLUMNS: tuple[Any, ...] = (
    *(literal_column("''") if c is Talk.summary else c for c in ROW_COLUMNS),
    Talk.event_id,
    Talk.conference_id,
)


def _statement() -> Select[*tuple[Any, ...]]:
    return (
        select(*_COLUMNS)
        .join(Event, Event.id == Talk.event_id)
        .join(Conference, Conference.id == Talk.conference_id)
        .order_by(Talk.sort_key, Talk.id)
    )


class Shared:
    """A column of few distinct values (formats, days, rooms): each value once, and 4 bytes a
    row for which one, where a list costs 8 a row."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[object, int] = {}
        self.which: array[int] = array("i")  # row -> its value's index in values

    def append(self, value: object) -> None:
        k = self._index.get(value)
        if k is None:
            k = self._index[value] = len(self.values)
            self.values.append(value)
        self.which.append(k)

    def __getitem__(self, n: int) -> Any:
        return self.values[self.which[n]]

    def indexes(self, chosen: set[Any]) -> set[int]:
        """The indexes of these values (a filter compares `which` against them)."""
        return {k for k, value in enumerate(self.values) if value in chosen}

    def done(self) -> None:
        del self._index  # only loading needs it


class Texts:
    """A column of strings, packed in one buffer as UTF-8: a string costs its bytes and 5
    more, where a list of str costs about 60 more (3 columns: 8 MB for 50,000 talks)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends: array[int] = array("I")  # where each string ends in _data
        self._none = bytearray()  # 1 where the value is None

    def append(self, text: str | None) -> None:
        self._data += (text or "").encode()
        self._ends.append(len(self._data))
        self._none.append(text is None)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, n: int) -> Any:
        if self._none[n]:
            return None
        return self._data[self._ends[n - 1] if n else 0 : self._ends[n]].decode()


NO_LINKS = (None, None, "", "")  # video and slides URLs and titles: most talks have none


class Rows:
    """The talks' rows in schedule order, kept as columns: a TalkRow is built when first asked
    for (an answer shows up to 25), which spares a tuple and an int a talk (about 10 MB for
    50,000 talks). The last MADE built are kept, so a page shown again costs no more than
    when every row was held (building one takes about 1.5 us)."""

    def __init__(self) -> None:
        self.ids: array[int] = array("i")
        self.titles, self.urls, self.speakers = Texts(), Texts(), Texts()
        self.formats, self.days, self.starts, self.rooms = Shared(), Shared(), Shared(), Shared()
        self.event_of: array[int] = array("i")  # the talk's event id
        self.conference_of: array[int] = array("i")  # its conference id
        self.event_names: dict[int, str] = {}
        self.timezones: dict[int, str] = {}
        # place -> (video_url, slides_url, recording_title, slides_title), for the few that
        # have any
        self.links: dict[int, tuple[str | None, str | None, str, str]] = {}
        self._made: dict[int, TalkRow] = {}  # place -> its row, the oldest built first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, n: int) -> TalkRow:
        row = self._made.get(n)
        if row is None:
            row = self.build(n)
            with self._lock:
                if len(self._made) >= MADE:
                    del self._made[next(iter(self._made))]
                row = self._made.setdefault(n, row)  # one object a place: see TalkTable.line
        return row

    def build(self, n: int) -> TalkRow:
        """The row at place n, built (not kept)."""
        video, slides, recording_title, slides_title = self.links.get(n, NO_LINKS)
        return TalkRow(
            self.ids[n],
            self.titles[n],
            self.urls[n],
            self.speakers[n],
            self.formats[n],
            self.days[n],
            self.starts[n],
            self.rooms[n],
            "",
            self.event_names[self.event_of[n]],
            self.timezones[self.conference_of[n]],
            video,
            slides,
            recording_title,
            slides_title,
        )

    def __iter__(self) -> Iterator[TalkRow]:
        return map(self.build, range(len(self.ids)))  # every row: none is kept


class TalkTable:
    """The catalog's talks: rows by id, and per event and conference in schedule order."""

    def __init__(self) -> None:
        self.rows = Rows()  # schedule order
        # talk id -> index in rows (-1: none), indexed by the id itself: 4 bytes a talk where
        # a dict costs ~80 (see `holds`)
        self.place: array[int] = array("i")
        # event id -> places, in order; arrays: 4 bytes a place, not a pointer to an int
        self.by_event: dict[int, array[int]] = {}
        self.by_conference: dict[int, array[int]] = {}
        # the schedule page ids of the talks' URLs (URL_ID), as their crc32, sorted, with the
        # place of each: 8 bytes a talk where a dict of the ids' strings cost ~170
        self._url_hashes: array[int] = array("I")
        self._url_places: array[int] = array("i")
        self.event_of = self.rows.event_of  # place -> the talk's event id
        self.conference_of = self.rows.conference_of  # place -> its conference id
        self._lines: list[str | None] = []
        # queries matching more than COUNT_CAP talks: their total and first ranked ids
        self.ranked: dict[tuple[object, ...], tuple[int, array[int]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, db: Db) -> TalkTable:
        table = cls()
        rows = table.rows
        # sized once: the ids are the table's own, from 1 up
        place = table.place = array("i", [-1]) * ((db.scalar(select(func.max(Talk.id))) or 0) + 1)
        urls = array("Q")  # (hash << 32) | place: sorted, the places follow their hashes
        for r in db.execute(_statement().execution_options(**STREAM)):
            talk_id = r[0]
            if talk_id >= len(place):  # imported between the two statements
                place.extend(array("i", [-1]) * (talk_id + 1 - len(place)))
            n = place[talk_id] = len(rows.ids)
            rows.ids.append(talk_id)
            rows.titles.append(r[1])
            rows.urls.append(r[2])
            rows.speakers.append(r[3])
            rows.formats.append(r[4])
            rows.days.append(r[5])
            rows.starts.append(r[6])
            rows.rooms.append(r[7])
            rows.event_names[r[15]] = r[9]
            rows.timezones[r[16]] = r[10]
            if (r[11], r[12], r[13], r[14]) != NO_LINKS:
                rows.links[n] = (r[11], r[12], r[13], r[14])
            table.by_event.setdefault(r[15], array("i")).append(n)
            table.by_conference.setdefault(r[16], array("i")).append(n)
            rows.event_of.append(r[15])
            rows.conference_of.append(r[16])
            if r[2] and (m := URL_ID.search(r[2])):
                urls.append(_url_hash(m.group(1)) << 32 | n)
        for column in (rows.formats, rows.days, rows.starts, rows.rooms):
            column.done()
        ordered = sorted(urls)
        table._url_hashes = array("I", (k >> 32 for k in ordered))
        table._url_places = array("i", (k & 0xFFFFFFFF for k in ordered))
        table._lines = [None] * len(rows)
        return table

    def holds(self, talk_id: int) -> bool:
        """Whether this talk is in the table (`place[talk_id]` is its index then)."""
        return 0 <= talk_id < len(self.place) and self.place[talk_id] >= 0

    def ids(self) -> list[int]:
        """Every talk's id, ascending."""
        return [i for i, n in enumerate(self.place) if n >= 0]

    def with_url_id(self, ref: str) -> list[int]:
        """The talks whose URL carries this schedule page id (URL_ID), in schedule order."""
        hashes, found = self._url_hashes, []
        h = _url_hash(ref)
        k = bisect_left(hashes, h)
        while k < len(hashes) and hashes[k] == h:
            n = self._url_places[k]
            m = URL_ID.search(self.rows.urls[n] or "")
            if m and m.group(1) == ref:  # not only the same hash
                found.append(self.rows.ids[n])
            k += 1
        return found

    def talks(self, ids: Iterable[int]) -> list[TalkRow]:
        """These talks' rows, in the order given (unknown ids left out)."""
        place, rows, holds = self.place, self.rows, self.holds
        return [rows[place[i]] for i in ids if holds(i)]

    def of_events(self, event_ids: set[int], conference_ids: set[int]) -> Sequence[int] | None:
        """Places of the talks of these events or conferences (one kind only), in order."""
        if event_ids and conference_ids:
            return None
        lists = self.by_event if event_ids else self.by_conference
        chosen = [lists.get(i, array("i")) for i in sorted(event_ids or conference_ids)]
        if len(chosen) == 1:
            return chosen[0]
        return sorted(p for places in chosen for p in places)

    def remember(
        self, key: tuple[object, ...], ranked: list[int], keep: int, total: int | None = None
    ) -> None:
        """Keep a very common query's total and its first `keep` ranked hits, for the revision
        (the oldest of RANKED go)."""
        with self._lock:
            if len(self.ranked) >= RANKED:
                self.ranked.pop(next(iter(self.ranked)), None)
            count = len(ranked) if total is None else total  # of all, when only the first came
            self.ranked[key] = (count, array("l", ranked[:keep]))

    def line(self, row: TalkRow, render: Callable[[TalkRow], str]) -> str:
        """The talk's one-line form, rendered once per revision (rows not from this table
        are rendered each time)."""
        n = self.place[row.id] if self.holds(row.id) else -1
        if n < 0 or self.rows[n] is not row:
            return render(row)
        line = self._lines[n]
        if line is None:
            line = self._lines[n] = render(row)
        return line


def _url_hash(url_id: str) -> int:
    return zlib.crc32(url_id.encode())
