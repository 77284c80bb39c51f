"""Catalog queries: one SQL statement per page of talks, ranked when there are free words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.fulltext import Term, match
from bot.store.models import Company, Conference, Event, Speaker, Talk, TalkSpeaker
from bot.talks.query import TalkQuery
from bot.text import fold


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


def _terms(q: TalkQuery) -> list[Term]:
    terms = [Term(w) for w in q.words]
    terms += [Term(w, "people") for w in q.speaker]
    terms += [Term(w, "companies") for w in q.company]
    return terms


def find_talks(session: Session, q: TalkQuery, offset: int = 0, limit: int = 10) -> Page:
    total = func.count().over().label("total")
    stmt = (
        select(
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
            total,
        )
        .join(Event, Event.id == Talk.event_id)
        .join(Conference, Conference.id == Talk.conference_id)
    )
    order = [Talk.day.is_(None), Talk.day, Talk.starts_at, Talk.title, Talk.id]
    terms = _terms(q)
    if terms:
        hits = match(session.get_bind().dialect.name, terms)
        stmt = stmt.join(hits, hits.c.talk_id == Talk.id)
        if q.words:  # rank only when the user asked in words; filters keep schedule order
            order = [hits.c.rank, *order]
    if q.conference_ids:
        stmt = stmt.where(Talk.conference_id.in_(q.conference_ids))
    if q.event_ids:
        stmt = stmt.where(Talk.event_id.in_(q.event_ids))
    if q.days is not None:
        stmt = stmt.where(Talk.day.in_(q.days))
    if q.formats:
        stmt = stmt.where(Talk.format.in_(q.formats))
    stmt = stmt.order_by(*order).limit(limit).offset(offset)
    result = session.execute(stmt).all()
    rows = [TalkRow(*r[:-1]) for r in result]
    return Page(rows=rows, total=result[0].total if result else 0, offset=offset)


@dataclass(frozen=True)
class SpeakerCard:
    id: int
    name: str
    companies: list[str]
    talks: list[TalkRow]


def _talks_of(session: Session, speaker_ids: list[int]) -> dict[int, list[TalkRow]]:
    rows = session.execute(
        select(
            TalkSpeaker.speaker_id,
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
        .join(Talk, Talk.id == TalkSpeaker.talk_id)
        .join(Event, Event.id == Talk.event_id)
        .join(Conference, Conference.id == Talk.conference_id)
        .where(TalkSpeaker.speaker_id.in_(speaker_ids))
        .order_by(Talk.day.is_(None), Talk.day, Talk.starts_at, Talk.title)
    )
    out: dict[int, list[TalkRow]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(TalkRow(*r[1:]))
    return out


def find_speakers(session: Session, words: list[str], limit: int = 200) -> list[SpeakerCard]:
    """Speakers whose name, or whose company, has every word (as a word prefix)."""
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    matches: dict[int, tuple[str, set[str]]] = {}
    for column in ("people", "companies"):
        hits = match(dialect, [Term(w, column) for w in words])
        rows = session.execute(
            select(Speaker.id, Speaker.name, Company.name)
            .select_from(TalkSpeaker)
            .join(hits, hits.c.talk_id == TalkSpeaker.talk_id)
            .join(Speaker, Speaker.id == TalkSpeaker.speaker_id)
            .outerjoin(Company, Company.id == TalkSpeaker.company_id)
            .limit(5000)
        )
        for sid, name, company in rows:
            haystack = fold(name if column == "people" else company or "").split()
            if all(any(h.startswith(w) for h in haystack) for w in words):
                matches.setdefault(sid, (name, set()))
    if not matches:
        return []
    ids = sorted(matches, key=lambda i: fold(matches[i][0]))[:limit]
    companies: dict[int, list[str]] = {}
    for sid, company in session.execute(
        select(TalkSpeaker.speaker_id, Company.name)
        .join(Company, Company.id == TalkSpeaker.company_id)
        .where(TalkSpeaker.speaker_id.in_(ids))
        .distinct()
        .order_by(Company.name)
    ):
        companies.setdefault(sid, []).append(company)
    talks = _talks_of(session, ids)
    return [SpeakerCard(i, matches[i][0], companies.get(i, []), talks.get(i, [])) for i in ids]
