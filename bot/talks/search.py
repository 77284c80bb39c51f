"""Catalog queries, built once per shape and reused, so a page costs one indexed statement.

Functions take a Connection (the fast path the listeners use) or a Session (scripts, tests).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, and_, bindparam, func, literal, or_, select

from bot.store import Db, dialect_of
from bot.store.fulltext import Term, fts_param, match
from bot.store.models import Conference, Event, Talk, TalkFollow, TalkSpeaker
from bot.store.value_lists import in_list, list_param
from bot.talks.catalog_index import CatalogIndex
from bot.talks.query import TalkQuery
from bot.talks.talk_table import ROW_COLUMNS, TalkTable
from bot.talks.talk_table import TalkRow as TalkRow
from bot.talks.word_index import as_prefix
from bot.text import fold

COUNT_CAP = 1000  # beyond this an answer says "1000+": counting every hit of a common word costs
NARROW = 1000  # this many full-text hits or fewer are ranked here (words alone), not in SQL
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
def _statements(
    dialect: str,
    ranked: bool,
    conf: bool,
    events: bool,
    days: bool,
    formats: bool,
    talks: bool,
) -> tuple[Select, Select | None]:
    """(page of ids, capped count) for one combination of filters; values bound at execution.

    The page holds talk ids only: their rows are in memory (talk_table.py).
    Hits reached by id (full-text matches, the talks of a speaker or company) must all be read
    and sorted anyway, so their ids come back whole, up to the page's end and at least
    COUNT_CAP+1 of them, to be sliced and counted here.
    Hits reached through a schedule-ordered index (event, day, format) stop after one page;
    their count is a second, index-only statement, run only when the page is full.
    """
    ids = select(Talk.id, Talk.sort_key)
    if ranked:  # free words: full-text hits, best first
        hits = match(dialect)
        ids = ids.join(hits, hits.c.talk_id == Talk.id)
    for on, column, param in (
        (conf, Talk.conference_id, "conf"),
        (events, Talk.event_id, "events"),
        (days, Talk.day, "days"),
        (formats, Talk.format, "formats"),
    ):
        if on:
            ids = ids.where(in_list(column, param, dialect))
    if talks:
        ids = ids.where(in_list(Talk.id, "talks", dialect))
    if ranked or talks:
        rank = hits.c.rank if ranked else literal(0)
        window = (
            ids.with_only_columns(Talk.id)
            .order_by(rank, Talk.sort_key, Talk.id)
            .limit(bindparam("window"))
        )
        return window, None
    page = (
        ids.with_only_columns(Talk.id)
        .order_by(Talk.sort_key, Talk.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    hits = ids.with_only_columns(Talk.id).limit(COUNT_CAP + 1).subquery("capped")
    return page, select(func.count()).select_from(hits)


@cache
def _rows_statement(dialect: str) -> Select:
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
    """A page of the talks q asks for, with their total (capped past COUNT_CAP).

    The rows come from the catalog's table in memory; SQL, when a query needs it, only finds
    the page's ids (and counts).
    """
    if q.days is not None and not q.days:
        return Page([], 0, offset)
    table = index.table(db)
    dialect = dialect_of(db)
    window = max(offset + limit, COUNT_CAP + 1)  # ranked hits are read up to here
    params: dict[str, object] = {"limit": limit, "offset": offset, "window": window}
    others = bool(q.words or q.days is not None or q.formats)
    among: set[int] | None = None  # the talks the answer is among, when known
    if q.speaker or q.company:
        directory = index.directory(db)
        among = directory.talks_by(q.speaker, q.company)
        if not among:
            return Page([], 0, offset, table)
        if not (others or q.conference_ids or q.event_ids):
            # names alone: the directory has the whole answer
            page_ids = directory.in_schedule_order(among)[offset : offset + limit]
            return Page(table.talks(page_ids), len(among), offset, table)
    elif not others and (places := table.of_events(q.event_ids, q.conference_ids)) is not None:
        # events or conferences alone: their talks are lists in schedule order already
        rows = table.rows
        return Page([rows[p] for p in places[offset : offset + limit]], len(places), offset, table)
    if q.words:
        known = table.ranked.get(_ranked_key(q))
        if known is not None and len(known) >= offset + limit:  # a very common word
            return Page(table.talks(known[offset : offset + limit]), len(known), offset, table)
        # words no talk holds: the database is spared the search (near misses start so)
        postings = index.postings(db)
        if not postings.holds_all(q.words):
            return Page([], 0, offset, table)
        alone = not (q.conference_ids or q.event_ids or q.days is not None or q.formats)
        found: set[int] | None = None
        # on SQLite only when the rarest word is rare: a common word's set would cost more
        # than the database's own search
        if dialect != "sqlite" or (alone and postings.at_most(q.words) <= NARROW):
            found = postings.matching(q.words)
            if among is not None:
                found &= among
            if not found:
                return Page([], 0, offset, table)
        if alone and found is not None and len(found) <= NARROW:
            # a few hits of words (and names) alone: ranked here by the columns holding
            # the words, ties in schedule order; no SQL at all
            place = table.place
            order = sorted((-s, place[i], i) for i, s in postings.scores(q.words, found).items()
                           if i in place)  # fmt: skip
            ranked = [i for _, _, i in order]
            return Page(table.talks(ranked[offset : offset + limit]), len(ranked), offset, table)
        if found is not None and len(found) <= NARROW:
            among = found  # PostgreSQL ranks these few by key, not by a scan of its index
        params["fts_query"] = fts_param(dialect, [Term(w, prefix=as_prefix(w)) for w in q.words])
    if among is not None:
        params["talks"] = list_param(dialect, among)
    for key, value in (
        ("conf", q.conference_ids),
        ("events", q.event_ids),
        ("days", q.days),
        ("formats", q.formats),
    ):
        if value:
            params[key] = list_param(dialect, value)
    page_stmt, count_stmt = _statements(
        dialect,
        bool(q.words),
        bool(q.conference_ids),
        bool(q.event_ids),
        q.days is not None,
        bool(q.formats),
        "talks" in params,
    )
    if count_stmt is None:
        ranked = [r[0] for r in db.execute(page_stmt, params)]
        if len(ranked) > COUNT_CAP:  # a very common word: rank its hits once a revision
            table.remember(_ranked_key(q), ranked)
        return Page(table.talks(ranked[offset : offset + limit]), len(ranked), offset, table)
    hits = db.execute(page_stmt, params).all()
    talks = table.talks(r[0] for r in hits)
    # when the whole answer fits on the first page there is nothing left to count
    fits = offset == 0 and len(hits) < limit
    total = len(hits) if fits else _known_total(index, q)
    if total is None:
        total = db.scalar(count_stmt, params) or 0
    return Page(talks, total, offset, table)


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


def _known_total(index: CatalogIndex, q: TalkQuery) -> int | None:
    """An event's or a conference's talks alone: the catalog index has counted them already."""
    if q.days is not None or q.formats or q.words or q.speaker or q.company:
        return None
    if q.event_ids and not q.conference_ids:
        return sum(index.events[e].talks for e in q.event_ids)
    if q.conference_ids and not q.event_ids:
        return sum(index.conferences[c].talks for c in q.conference_ids)
    return None


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
def _talks_of_statement(dialect: str) -> Select:
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
                directory.companies_of.get(i, []),
                [row for row, _ in given],
                [company for _, company in given],
            )
        )
    return cards
