"""The catalog in memory, per catalog revision: what the query parser needs to know, and the
rows, words and names every answer comes from.

Events and conferences are few, so they are read first. The first revision's rows, words and
names are loaded on the first query that needs them; each later revision's all at once, in
the background, while answers come from the one before (CatalogCache).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from bot.store import Db, dialect_of
from bot.store.models import CatalogState, Conference, Event, Talk
from bot.talks.directory import Directory, load_directory
from bot.talks.talk_table import STREAM, TalkTable
from bot.talks.word_index import WordIndex
from bot.text import words

log = logging.getLogger(__name__)


def key_of(text: str) -> str:
    """'Platform Engineering Day' and 'platform-day' style keys: folded words joined by '-'."""
    return "-".join(words(text))


@dataclass(frozen=True)
class ConferenceInfo:
    id: int
    slug: str
    name: str
    timezone: str
    starts: dt.date | None
    ends: dt.date | None
    day_one: dt.date | None
    talks: int

    def days(self) -> list[dt.date]:
        if not (self.starts and self.ends):
            return []
        return [self.starts + dt.timedelta(d) for d in range((self.ends - self.starts).days + 1)]


@dataclass(frozen=True)
class EventInfo:
    id: int
    conference_id: int
    slug: str
    name: str
    kind: str
    url: str | None
    talks: int


@dataclass
class CatalogIndex:
    revision: int
    conferences: dict[int, ConferenceInfo]
    events: dict[int, EventInfo]
    # key -> ("conference"|"event", id); keys are slugs, aliases and names as key_of() makes them
    names: dict[str, tuple[str, int]]
    # key -> every event so called, in any conference: tracks are per conference, and two
    # conferences may both have "Security"
    event_keys: dict[str, list[int]] = field(default_factory=dict)
    cities: dict[str, set[int]] = field(default_factory=dict)  # "paris" -> conference ids
    formats: dict[str, int] = field(default_factory=dict)  # talks per format
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _directory: Directory | None = field(default=None, repr=False)
    _terms: list[str] | None = field(default=None, repr=False)
    _table: TalkTable | None = field(default=None, repr=False)
    _postings: WordIndex | None = field(default=None, repr=False)

    @cached_property
    def _sorted_names(self) -> list[str]:
        return sorted(self.names)

    @cached_property
    def longest_name(self) -> int:
        return max((k.count("-") + 1 for k in self.names), default=1)

    def named(self, key: str) -> tuple[str, set[int]] | None:
        """What a key names: ("conference", {id}) or ("event", every event so called)."""
        found = self.names.get(key)
        if found is None:
            return None
        kind, id_ = found
        return kind, set(self.event_keys.get(key, [id_])) if kind == "event" else {id_}

    def starting_with(self, text: str) -> tuple[str, int] | None:
        """The one event or conference whose slug or name starts with these words ("kubecon eu"
        -> kubecon-eu-2024, "backstage" -> BackstageCon); None when none or several do."""
        key = key_of(text)
        if len(key) < 4:
            return None
        keys = self._sorted_names
        start = bisect.bisect_left(keys, key)
        found = set()
        for name in itertools.islice(keys, start, None):  # the names with this prefix, in order
            if not name.startswith(key):
                break
            found.add(self.names[name])
        if len(found) == 1:
            return found.pop()
        conferences = {t for t in found if t[0] == "conference"}
        return conferences.pop() if len(conferences) == 1 else None

    def directory(self, db: Db) -> Directory:
        """Speakers and companies, loaded on the first query that names someone."""
        if self._directory is not None:
            return self._directory
        with self._lock:
            if self._directory is None:
                with streaming(db) as reads:
                    self._directory = load_directory(reads)
            return self._directory

    def table(self, db: Db) -> TalkTable:
        """Every talk's row, loaded on the first answer that lists talks."""
        table = self._table
        if table is not None:
            return table
        with self._lock:
            if self._table is None:
                with streaming(db) as reads:
                    self._table = TalkTable.load(reads)
            return self._table

    def postings(self, db: Db) -> WordIndex:
        """Which talks hold which words, loaded on the first query with free words."""
        postings = self._postings
        if postings is not None:
            return postings
        with self._lock:
            if self._postings is None:
                with streaming(db) as reads:
                    table = self._table or TalkTable.load(reads)
                    self._table = table
                    slugs = {e.id: e.slug for e in self.events.values()}
                    self._postings = WordIndex.load(reads, table, slugs)
            return self._postings

    def terms(self, db: Db) -> list[str]:
        """Title and name words, for near-miss suggestions of free words."""
        directory = self.directory(db)
        with self._lock:
            if self._terms is None:
                terms: set[str] = set()
                with streaming(db) as reads:
                    for title in reads.scalars(select(Talk.title).execution_options(**STREAM)):
                        terms.update(w for w in words(title) if len(w) > 2)
                for name in (*directory.speakers.choices, *directory.companies.choices):
                    terms.update(name.split())
                self._terms = sorted(terms)
            return self._terms


def _load(db: Db, revision: int) -> CatalogIndex:
    counts = dict(db.execute(select(Talk.event_id, func.count()).group_by(Talk.event_id)).all())
    events: dict[int, EventInfo] = {}
    per_conf: dict[int, int] = {}
    names: dict[str, tuple[str, int]] = {}
    event_keys: dict[str, list[int]] = {}
    event_columns = (
        Event.id,
        Event.conference_id,
        Event.slug,
        Event.name,
        Event.kind,
        Event.url,
        Event.aliases,
    )
    for ev in db.execute(select(*event_columns).order_by(Event.id)):
        n = counts.get(ev.id, 0)
        events[ev.id] = EventInfo(ev.id, ev.conference_id, ev.slug, ev.name, ev.kind, ev.url, n)
        per_conf[ev.conference_id] = per_conf.get(ev.conference_id, 0) + n
        for key in {key_of(k) for k in (ev.slug, ev.name, *ev.aliases.split())}:
            names.setdefault(key, ("event", ev.id))
            event_keys.setdefault(key, []).append(ev.id)
    conferences = {}
    conference_columns = (
        Conference.id,
        Conference.slug,
        Conference.name,
        Conference.timezone,
        Conference.starts,
        Conference.ends,
        Conference.day_one,
        Conference.city,
    )
    cities: dict[str, set[int]] = {}
    for c in db.execute(select(*conference_columns).order_by(Conference.starts, Conference.id)):
        if c.city:
            cities.setdefault(key_of(c.city), set()).add(c.id)
        conferences[c.id] = ConferenceInfo(
            c.id, c.slug, c.name, c.timezone, c.starts, c.ends, c.day_one, per_conf.get(c.id, 0)
        )
        for key in (c.slug, c.name):
            names[key_of(key)] = ("conference", c.id)
    formats = dict(db.execute(select(Talk.format, func.count()).group_by(Talk.format)).all())
    return CatalogIndex(revision, conferences, events, names, event_keys, cities, formats)


REVISION = select(CatalogState.revision).where(CatalogState.id == 1)


def catalog_cache() -> CatalogCache:
    """The cache a running bot shares between its features: it re-reads the catalog's
    revision at most once a second, since imports are rare and answers are not."""
    return CatalogCache(recheck=1.0)


def in_a_thread(load: Callable[[], None]) -> None:
    threading.Thread(target=load, name="catalog-load", daemon=True).start()


@contextmanager
def streaming(db: Db) -> Iterator[Db]:
    """Where a load reads its rows a few thousand at a time (STREAM), not the whole result at
    once: psycopg would hold all 50,000 talks' rows in memory at the peak (over 20 MB).
    PostgreSQL streams only from a cursor inside a transaction, so an autocommit connection
    (an answer's) lends the load a connection of its own."""
    if dialect_of(db) != "postgresql" or isinstance(db, Session):  # a Session is in one
        yield db
        return
    if db.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        yield db
        return
    with snapshot(engine_of(db)) as conn:
        yield conn


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection of its own for a load, in one transaction: on PostgreSQL one snapshot,
    whose reads can stream."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def engine_of(db: Db) -> Engine:
    """Where a load in the background takes a connection of its own."""
    bind = db if isinstance(db, Connection) else db.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


class CatalogCache:
    """Hands out the index for the current revision.

    With `recheck` > 0 the revision is read at most that often (seconds): an import (made by
    `wgbot import`, another process) shows within that time, and a busy bot saves a query per
    answer.

    Only the very first index is loaded by the answer that needs it. A new revision is loaded
    whole (rows, words, names) by `run` (a thread of its own) on a connection of its own,
    while answers keep coming from the previous index; then it takes that one's place in one
    assignment, and `loaded` is set.
    """

    def __init__(
        self,
        recheck: float = 0.0,
        run: Callable[[Callable[[], None]], None] = in_a_thread,
        monotonic: Callable[[], float] = time.monotonic,  # a test passes one it moves
    ) -> None:
        self._index: CatalogIndex | None = None
        self._lock = threading.Lock()
        self.recheck = recheck
        self._monotonic = monotonic
        self._checked = 0.0
        self._run = run
        self._loading: int | None = None  # the revision being loaded
        self.loaded = threading.Event()  # set when the last load started has finished

    @property
    def index(self) -> CatalogIndex | None:
        """The index answers come from now (None before the first)."""
        return self._index

    def get(self, db: Db) -> CatalogIndex:
        index = self._index
        fresh = self._monotonic() - self._checked < self.recheck
        if index is not None and fresh:
            return index
        revision = db.scalar(REVISION) or 0
        self._checked = self._monotonic()
        if index is None:
            with self._lock:  # nothing older to answer from
                if self._index is None:
                    self._index = _load(db, revision)
                return self._index
        if index.revision != revision:
            self._load_later(engine_of(db), revision)
        return self._index or index  # the new one only if `run` has loaded it already

    def event_names(self, db: Db) -> list[tuple[str, str]]:
        """(slug, name) of each event that has talks, in the catalog's order: what the Home
        suggests trying."""
        return [(e.slug, e.name) for e in self.get(db).events.values() if e.talks]

    def _load_later(self, engine: Engine, revision: int) -> None:
        with self._lock:
            if self._loading == revision:
                return
            self._loading = revision
            self.loaded.clear()
        self._run(functools.partial(self._load_whole, engine, revision))

    def _load_whole(self, engine: Engine, revision: int) -> None:
        index: CatalogIndex | None = None
        try:
            with snapshot(engine) as conn:
                index = _load(conn, revision)
                index.table(conn)
                index.postings(conn)
                index.directory(conn)
                index.terms(conn)
        except Exception:
            log.exception("could not load catalog revision %s; answering from the last", revision)
        with self._lock:
            if self._loading != revision:  # a newer revision's load began meanwhile: it swaps
                return
            if index is not None:
                self._index = index
            self._loading = None  # a failed load is tried again on the next check
            self.loaded.set()
