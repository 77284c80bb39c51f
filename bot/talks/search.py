"""Catalog queries, built once per shape and reused, so a page costs two indexed statements.

Functions take a Connection (the fast path the listeners use) or a Session (scripts, tests).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, func, select

from bot.store import Db, dialect_of
from bot.store.fulltext import Term, fts_param, match
from bot.store.models import Company, Conference, Event, Speaker, Talk, TalkSpeaker
from bot.talks.query import TalkQuery
from bot.text import fold

COUNT_CAP = 1000  # beyond this an answer says "1000+": counting every hit of a common word costs


@dataclass(frozen=True)
class TalkRow:
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


@dataclass(frozen=True)
class Page:
    rows: list[TalkRow]
    total: int
    offset: int

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


ROW_COLUMNS = (
    Talk.id,
    Talk.title,
    Talk.url,
    Talk.speakers_line,
    Talk.format,
    Talk.day,
    Talk.starts_at,
    Talk.room,
    Talk.summary,
    Event.name,
    Conference.timezone,
)


@cache
def _statements(
    dialect: str, fts: bool, ranked: bool, conf: bool, events: bool, days: bool, formats: bool
) -> tuple[Select, Select]:
    """(page, capped count) for one combination of filters; values are bound at execution."""
    ids = select(Talk.id)
    if fts:
        hits = match(dialect)
        ids = ids.join(hits, hits.c.talk_id == Talk.id)
    if conf:
        ids = ids.where(Talk.conference_id.in_(bindparam("conf", expanding=True)))
    if events:
        ids = ids.where(Talk.event_id.in_(bindparam("events", expanding=True)))
    if days:
        ids = ids.where(Talk.day.in_(bindparam("days", expanding=True)))
    if formats:
        ids = ids.where(Talk.format.in_(bindparam("formats", expanding=True)))
    if ranked:
        inner = ids.add_columns(hits.c.rank.label("rank")).order_by(
            hits.c.rank, Talk.sort_key, Talk.id
        )
    else:
        inner = ids.order_by(Talk.sort_key, Talk.id)
    page_ids = inner.limit(bindparam("limit")).offset(bindparam("offset")).subquery("page")
    outer_order = [page_ids.c.rank] if ranked else []
    page = (
        select(*ROW_COLUMNS)
        .select_from(page_ids)
        .join(Talk, Talk.id == page_ids.c.id)
        .join(Event, Event.id == Talk.event_id)
        .join(Conference, Conference.id == Talk.conference_id)
        .order_by(*outer_order, Talk.sort_key, Talk.id)
    )
    capped = ids.limit(COUNT_CAP + 1).subquery("capped")
    count = select(func.count()).select_from(capped)
    return page, count


def find_talks(db: Db, q: TalkQuery, offset: int = 0, limit: int = 10) -> Page:
    terms = [Term(w) for w in q.words]
    terms += [Term(w, "people") for w in q.speaker]
    terms += [Term(w, "companies") for w in q.company]
    dialect = dialect_of(db)
    page_stmt, count_stmt = _statements(
        dialect,
        bool(terms),
        bool(q.words),
        bool(q.conference_ids),
        bool(q.event_ids),
        q.days is not None,
        bool(q.formats),
    )
    if q.days is not None and not q.days:
        return Page([], 0, offset)
    params: dict[str, object] = {"limit": limit, "offset": offset}
    if terms:
        params["fts_query"] = fts_param(dialect, terms)
    for key, value in (
        ("conf", q.conference_ids),
        ("events", q.event_ids),
        ("days", q.days),
        ("formats", q.formats),
    ):
        if value:
            params[key] = sorted(value)
    rows = [TalkRow(*r) for r in db.execute(page_stmt, params)]
    # When the whole answer fits on the first page there is nothing left to count.
    fits = offset == 0 and len(rows) < limit
    total = len(rows) if fits else db.scalar(count_stmt, params) or 0
    return Page(rows, total, offset)


@dataclass(frozen=True)
class SpeakerCard:
    id: int
    name: str
    companies: list[str]
    talks: list[TalkRow]


def _talks_of(db: Db, speaker_ids: list[int]) -> dict[int, list[TalkRow]]:
    rows = db.execute(
        select(TalkSpeaker.speaker_id, *ROW_COLUMNS)
        .join(Talk, Talk.id == TalkSpeaker.talk_id)
        .join(Event, Event.id == Talk.event_id)
        .join(Conference, Conference.id == Talk.conference_id)
        .where(TalkSpeaker.speaker_id.in_(speaker_ids))
        .order_by(Talk.sort_key, Talk.id)
    )
    out: dict[int, list[TalkRow]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(TalkRow(*r[1:]))
    return out


def find_speakers(db: Db, words: list[str], limit: int = 200) -> list[SpeakerCard]:
    """Speakers whose name, or whose company, has every word (as a word prefix)."""
    if not words:
        return []
    dialect = dialect_of(db)
    hits = match(dialect)
    stmt = (
        select(Speaker.id, Speaker.name, Company.name)
        .select_from(TalkSpeaker)
        .join(hits, hits.c.talk_id == TalkSpeaker.talk_id)
        .join(Speaker, Speaker.id == TalkSpeaker.speaker_id)
        .outerjoin(Company, Company.id == TalkSpeaker.company_id)
        .limit(5000)
    )
    matches: dict[int, str] = {}
    for column in ("people", "companies"):
        params = {"fts_query": fts_param(dialect, [Term(w, column) for w in words])}
        for sid, name, company in db.execute(stmt, params):
            haystack = fold(name if column == "people" else company or "").split()
            if all(any(h.startswith(w) for h in haystack) for w in words):
                matches[sid] = name
    if not matches:
        return []
    ids = sorted(matches, key=lambda i: fold(matches[i]))[:limit]
    companies: dict[int, list[str]] = {}
    for sid, company in db.execute(
        select(TalkSpeaker.speaker_id, Company.name)
        .join(Company, Company.id == TalkSpeaker.company_id)
        .where(TalkSpeaker.speaker_id.in_(ids))
        .distinct()
        .order_by(Company.name)
    ):
        companies.setdefault(sid, []).append(company)
    talks = _talks_of(db, ids)
    return [SpeakerCard(i, matches[i], companies.get(i, []), talks.get(i, [])) for i in ids]
