"""Catalog queries: /talks and /speakers answered from the catalog in memory (one engine on
every database); the database is read for what memory does not keep (a talk by id, talks
under way, a person's followed talks, a speaker's talks).

Functions take a Connection (the fast path the listeners use) or a Session (scripts, tests).
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, or_, select

from bot.store import Db, dialect_of
from bot.store.models import Conference, Event, Talk, TalkFollow, TalkSpeaker
from bot.store.value_lists import in_list, list_param
from bot.talks.catalog_index import CatalogIndex
from bot.talks.query import TalkQuery
from bot.talks.talk_table import ROW_COLUMNS, TalkTable
from bot.talks.talk_table import TalkRow as TalkRow
from bot.text import fold

COUNT_CAP = 1000  # beyond this an answer says "1000+", and its ranking is kept for the revision
MAX_SPEAKERS = 200  # speaker cards one answer holds; /speakers pages through them


@dataclass(frozen=True)
class Page:
    rows: list[TalkRow]
    total: int
    offset: int
    table: TalkTable | None = None  # where the rows came from: their one-line forms are kept

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


@cache
def _rows_statement(dialect: str) -> Select[*tuple[Any, ...]]:
    """The rows of the talks whose ids are bound to :ids, in schedule order."""
    return (
        select(*ROW_COLUMNS)
        .join(Event, Event.id == Talk.event_id)
        .join(Conference, Conference.id == Talk.conference_id)
        .where(in_list(Talk.id, "ids", dialect))
        .order_by(Talk.sort_key, Talk.id)
    )


def talks_by_id(db: Db, ids: list[int]) -> list[TalkRow]:
    """These talks' rows, in schedule order (the unknown ids left out)."""
    dialect = dialect_of(db)
    rows = db.execute(_rows_statement(dialect), {"ids": list_param(dialect, ids)})
    return [TalkRow._make(r) for r in rows]


def with_summaries(db: Db, rows: list[TalkRow]) -> list[TalkRow]:
    """These rows with their summaries, which the talk table does not hold (for the few talks
    an answer shows in full)."""
    if not rows:
        return rows
    dialect = dialect_of(db)
    ids = list_param(dialect, [r.id for r in rows])
    found: dict[int, str] = {}
    for talk_id, summary in db.execute(_summaries_statement(dialect), {"ids": ids}):
        found[talk_id] = summary
    return [r._replace(summary=found.get(r.id) or r.summary) for r in rows]


@functools.cache
def _summaries_statement(dialect: str) -> Select[*tuple[Any, ...]]:
    return select(Talk.id, Talk.summary).where(in_list(Talk.id, "ids", dialect))


def talks_during(db: Db, now: dt.datetime, kind: str) -> list[TalkRow]:
    """ "now": talks under way (begun, not ended; no end: begun in the last half hour);
    "next": talks starting within the hour. Only timed talks, so only running conferences."""
    if kind == "now":
        ended = or_(
            Talk.ends_at > now,
            and_(Talk.ends_at.is_(None), Talk.starts_at > now - dt.timedelta(minutes=30)),
        )
        where = and_(Talk.starts_at <= now, ended)
    else:
        where = and_(Talk.starts_at > now, Talk.starts_at <= now + dt.timedelta(hours=1))
    stmt = (
        select(*ROW_COLUMNS)
        .join(Event, Event.id == Talk.event_id)
        .join(Conference, Conference.id == Talk.conference_id)
        .where(where)
        .order_by(Talk.starts_at, Talk.sort_key, Talk.id)
        .limit(100)
    )
    return [TalkRow._make(r) for r in db.execute(stmt)]


def followed_talks(db: Db, team_id: str, user_id: str) -> list[TalkRow]:
    """The talks this person follows, in schedule order."""
    stmt = (
        select(*ROW_COLUMNS)
        .join(Event, Event.id == Talk.event_id)
        .join(Conference, Conference.id == Talk.conference_id)
        .join(
            TalkFollow,
            and_(TalkFollow.conference == Conference.slug, TalkFollow.source_id == Talk.source_id),
        )
        .where(TalkFollow.team_id == team_id, TalkFollow.user_id == user_id)
        .order_by(Talk.sort_key, Talk.id)
    )
    return [TalkRow._make(r) for r in db.execute(stmt)]


def find_talks(db: Db, index: CatalogIndex, q: TalkQuery, offset: int = 0, limit: int = 10) -> Page:
    """A page of the talks q asks for, with their total.

    Answered from the catalog in memory, the same way on every database: names narrow to
    their talks (the directory), free words find and rank theirs (the word index), and the
    other filters keep the talks they allow; without free words the order is the schedule's.
    """
    if q.days is not None and not q.days:
        return Page([], 0, offset)
    table = index.table(db)
    among: set[int] | None = None  # the talks the answer is among, when known
    if q.speaker or q.company:
        directory = index.directory(db)
        among = directory.talks_by(q.speaker, q.company)
        if not among:
            return Page([], 0, offset, table)
    others = bool(q.words or q.days is not None or q.formats)
    if q.words:
        key = _ranked_key(q)
        known = table.ranked.get(key)
        if known is not None:  # a very common query, ranked already
            total, ranked_ids = known
            if len(ranked_ids) >= min(offset + limit, total):
                page = ranked_ids[offset : offset + limit]
                return Page(table.talks(page), total, offset, table)
        postings = index.postings(db)
        if not postings.holds_all(q.words):  # most near misses end here
            return Page([], 0, offset, table)
        keep = max(offset + limit, COUNT_CAP + 1)
        # best columns first, ties in schedule order: one int a talk, (-score, place), and only
        # the first `keep` sorted and held (a common word's 25,000 tuples took 2 MB at once)
        place, ids, holds = table.place, table.rows.ids, table.holds
        keys: list[int]
        if len(set(q.words)) == 1 and among is None and not _filtered(q):
            # one word alone, maybe in half the talks: weighed a byte a talk, with no set or
            # dict of its talks (4 MB at once for a common word)
            weights = postings.weights(q.words[0])
            keys = [(-w << 32) | place[i] for i, w in enumerate(weights) if w and holds(i)]
        else:
            found = postings.matching(q.words)
            if among is not None:
                found &= among
            found = _allowed(table, found, q)
            scores = postings.scores(q.words, found)
            keys = [(-s << 32) | place[i] for i, s in scores.items()]
            del found, scores
        top = heapq.nsmallest(keep, keys)
        ranked = [ids[k & 0xFFFFFFFF] for k in top]
        if len(keys) > COUNT_CAP:  # ranking this many costs: once a revision
            table.remember(key, ranked, keep, len(keys))
        return Page(table.talks(ranked[offset : offset + limit]), len(keys), offset, table)
    if among is not None:
        if not (others or q.conference_ids or q.event_ids):
            # names alone: the directory has the whole answer in schedule order
            page_ids = index.directory(db).in_schedule_order(among)[offset : offset + limit]
            return Page(table.talks(page_ids), len(among), offset, table)
        places: Sequence[int] = sorted(table.place[i] for i in _allowed(table, among, q))
    else:
        # an event's or a conference's talks are in schedule order already
        named = table.of_events(q.event_ids, q.conference_ids)
        if named is None or not (q.event_ids or q.conference_ids):  # both kinds, or neither
            places = _allowed_places(table, range(len(table.rows)), q)
        else:
            places = _allowed_places(table, named, q) if others else named
    rows = table.rows
    return Page([rows[p] for p in places[offset : offset + limit]], len(places), offset, table)


def _allowed_places(table: TalkTable, places: Iterable[int], q: TalkQuery) -> list[int]:
    """The places (schedule order) of these talks that q's events, conferences, days and
    formats allow."""
    rows, events, conferences = table.rows, table.event_of, table.conference_of
    # each day's and format's index among their few values, compared with the row's
    day_of, format_of = rows.days.which, rows.formats.which
    days = None if q.days is None else rows.days.indexes(q.days)
    formats = rows.formats.indexes(q.formats)
    return [
        p
        for p in places
        if (not q.event_ids or events[p] in q.event_ids)
        and (not q.conference_ids or conferences[p] in q.conference_ids)
        and (days is None or day_of[p] in days)
        and (not q.formats or format_of[p] in formats)
    ]


def _filtered(q: TalkQuery) -> bool:
    """Whether q names events, conferences, days or formats."""
    return bool(q.event_ids or q.conference_ids or q.days is not None or q.formats)


def _allowed(table: TalkTable, talk_ids: set[int], q: TalkQuery) -> set[int]:
    """These talks, less those q's events, conferences, days and formats leave out."""
    if not _filtered(q):
        holds = table.holds
        if all(map(holds, talk_ids)):  # as they mostly are: no copy of a common word's talks
            return talk_ids
        return {i for i in talk_ids if holds(i)}
    place, holds = table.place, table.holds
    allowed = _allowed_places(table, (place[i] for i in talk_ids if holds(i)), q)
    ids = table.rows.ids
    return {ids[p] for p in allowed}


def _ranked_key(q: TalkQuery) -> tuple[object, ...]:
    """What decides a ranked answer's order."""
    return (
        tuple(q.words),
        tuple(q.speaker),
        tuple(q.company),
        frozenset(q.conference_ids),
        frozenset(q.event_ids),
        None if q.days is None else frozenset(q.days),
        frozenset(q.formats),
    )


@dataclass(frozen=True)
class SpeakerCard:
    id: int
    name: str
    companies: list[str]
    talks: list[TalkRow]
    # the company each talk was given for, as its conference spelt it (people change jobs)
    talk_companies: list[str | None] = field(default_factory=list)


def _talks_of(db: Db, speaker_ids: list[int]) -> dict[int, list[tuple[TalkRow, str | None]]]:
    dialect = dialect_of(db)
    rows = db.execute(_talks_of_statement(dialect), {"ids": list_param(dialect, speaker_ids)})
    out: dict[int, list[tuple[TalkRow, str | None]]] = {}
    for r in rows:
        out.setdefault(r[0], []).append((TalkRow._make(r[2:]), r[1]))
    return out


@cache
def _talks_of_statement(dialect: str) -> Select[*tuple[Any, ...]]:
    return (
        select(TalkSpeaker.speaker_id, TalkSpeaker.company_name, *ROW_COLUMNS)
        .join(Talk, Talk.id == TalkSpeaker.talk_id)
        .join(Event, Event.id == Talk.event_id)
        .join(Conference, Conference.id == Talk.conference_id)
        .where(in_list(TalkSpeaker.speaker_id, "ids", dialect))
        .order_by(Talk.sort_key, Talk.id)
    )


def find_speakers(db: Db, index: CatalogIndex, words: list[str]) -> list[SpeakerCard]:
    """Speakers whose name, or a company they spoke for, has every word (as a word prefix).

    Sorted by name; a card per speaker, with their companies and talks.
    """
    if not words:
        return []
    directory = index.directory(db)
    names = directory.speakers.names
    ids = sorted(directory.speakers_matching(words), key=lambda i: (fold(names[i]), i))
    ids = ids[:MAX_SPEAKERS]
    talks = _talks_of(db, ids) if ids else {}
    cards = []
    for i in ids:
        given = talks.get(i, [])
        cards.append(
            SpeakerCard(
                i,
                names[i],
                directory.companies_of(i),
                [row for row, _ in given],
                [company for _, company in given],
            )
        )
    return cards
