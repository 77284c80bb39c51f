"""Write a parsed catalog into the store: insert new talks, update changed ones, drop withdrawn.

Keys are the conference slug and each talk's source id, so importing the same file twice
changes nothing and a newer export updates talks in place. Bulk statements keep a
50,000-talk import to seconds.

The one way in is pipeline.import_parsed: `wgbot import` and seeding at start both write
through it, and the diff it reports is the plan it applies, computed once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.importers.records import Catalog, SpeakerRecord, TalkRecord
from bot.store.models import (
    CatalogState,
    Company,
    Conference,
    Event,
    Speaker,
    Talk,
    TalkSpeaker,
)
from bot.text import fold


@dataclass
class ImportReport:
    conference: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self) -> str:
        return (
            f"{self.conference}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged"
        )


def speakers_line(speakers: tuple[SpeakerRecord, ...]) -> str:
    return ", ".join(f"{s.name} ({s.company})" if s.company else s.name for s in speakers)


def sort_key(t: TalkRecord) -> str:
    """Schedule order as one indexable string: day, start time (UTC), folded title."""
    day = t.day.isoformat() if t.day else "9999-12-31"
    start = (_utc(t.starts_at) or "")[11:16]
    return f"{day} {start:5} {fold(t.title)}"[:400]


def _utc(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat()


def fingerprint(t: TalkRecord) -> tuple[object, ...]:
    return (
        t.event,
        t.title,
        t.summary,
        t.format,
        t.day,
        _utc(t.starts_at),
        _utc(t.ends_at),
        t.room,
        t.url,
        t.video_url,
        t.slides_url,
        t.recording_title,
        t.slides_title,
        tuple((s.name, s.company, s.person_id) for s in t.speakers),
    )


def _upsert_by_key(
    session: Session, model: type[Speaker] | type[Company], names: dict[str, str]
) -> dict[str, int]:
    """Ids of speakers or companies by key (a company's is its folded name, a speaker's see
    speaker_keys), inserting the missing ones in bulk."""
    ids: dict[str, int] = {}
    keys = list(names)
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        rows = session.execute(select(model.key, model.id).where(model.key.in_(chunk)))
        for key, id_ in rows:
            # the row's name stays the first spelling: each talk keeps its own on its link
            ids[key] = id_
    missing = [{"key": k, "name": names[k]} for k in keys if k not in ids]
    if missing:
        stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
        new_ids = session.scalars(stmt, missing).all()
        ids.update({row["key"]: i for row, i in zip(missing, new_ids, strict=True)})
    return ids


def _upsert_conference(session: Session, catalog: Catalog) -> tuple[int, dict[str, int]]:
    rec = catalog.conference
    values = {
        "name": rec.name,
        "timezone": rec.timezone,
        "city": rec.city,
        "starts": rec.starts,
        "ends": rec.ends,
        "day_one": rec.day_one,
        "url": rec.url,
    }
    conference = session.scalar(select(Conference).where(Conference.slug == rec.slug))
    if conference is None:
        conference = Conference(slug=rec.slug, **values)
        session.add(conference)
    else:
        for key, value in values.items():
            setattr(conference, key, value)
    session.flush()
    existing = {
        e.slug: e for e in session.scalars(select(Event).where(Event.conference == conference))
    }
    for ev in catalog.events:
        event = existing.get(ev.slug) or Event(conference_id=conference.id, slug=ev.slug)
        event.name, event.kind, event.url = ev.name, ev.kind, ev.url
        event.aliases = " ".join(fold(a).replace(" ", "-") for a in ev.aliases)
        session.add(event)
        existing[ev.slug] = event
    session.flush()
    return conference.id, {slug: e.id for slug, e in existing.items()}


def current_talks(session: Session, conference_id: int) -> dict[str, tuple[int, TalkRecord]]:
    """The stored talks of a conference: source id -> (talk id, the talk as a record)."""
    people: dict[int, list[SpeakerRecord]] = {}
    rows = session.execute(
        select(
            TalkSpeaker.talk_id, TalkSpeaker.name, TalkSpeaker.company_name, TalkSpeaker.person_id
        )
        .join(Talk, Talk.id == TalkSpeaker.talk_id)
        .where(Talk.conference_id == conference_id)
        .order_by(TalkSpeaker.talk_id, TalkSpeaker.position)
    )
    for talk_id, name, company, person_id in rows:
        people.setdefault(talk_id, []).append(SpeakerRecord(name, company, person_id))
    talks = session.execute(
        select(
            Talk.id,
            Talk.source_id,
            Event.slug,
            Talk.title,
            Talk.summary,
            Talk.format,
            Talk.day,
            Talk.starts_at,
            Talk.ends_at,
            Talk.room,
            Talk.url,
            Talk.video_url,
            Talk.slides_url,
            Talk.recording_title,
            Talk.slides_title,
        )
        .join(Event, Event.id == Talk.event_id)
        .where(Talk.conference_id == conference_id)
    )
    out = {}
    for row in talks:
        stored = TalkRecord(
            source_id=row.source_id,
            title=row.title,
            event=row.slug,
            format=row.format,
            day=row.day,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            room=row.room,
            url=row.url,
            summary=row.summary,
            speakers=tuple(people.get(row.id, ())),
            video_url=row.video_url,
            slides_url=row.slides_url,
            recording_title=row.recording_title,
            slides_title=row.slides_title,
        )
        out[row.source_id] = (row.id, stored)
    return out


def canonical(catalog: Catalog) -> Catalog:
    """Each person once per talk. Every appearance keeps its own spelling of the name and the
    company: another talk's (or another conference's) spelling never respells it."""
    talks = []
    for t in catalog.talks:
        people: dict[str, SpeakerRecord] = {}
        for s in t.speakers:
            people.setdefault(_identity(s), s)
        talks.append(replace(t, speakers=tuple(people.values())))
    return Catalog(catalog.conference, catalog.events, talks)


def _identity(s: SpeakerRecord) -> str:
    return f"id {s.person_id}" if s.person_id else f"name {s.name}"


def speaker_keys(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """Who each speaker of a catalog is in the store: identity -> (speaker key, name).

    A person is their name as written (case kept: "Ada Lovelace" and "ada lovelace" are two
    people), so the same name at two conferences is one person. Where the source gives ids,
    the id decides: one id is one person under its first spelling, and when two ids of this
    conference share a name, the lowest id keeps the plain name and the others are keyed
    by the name, the conference and the id (stable from one import to the next).
    """
    first_name: dict[str, str] = {}
    for t in catalog.talks:
        for s in t.speakers:
            if s.person_id:
                first_name.setdefault(s.person_id, s.name)
    ids_of_name: dict[str, list[str]] = {}
    for person_id, name in sorted(first_name.items()):
        ids_of_name.setdefault(name, []).append(person_id)
    out: dict[str, tuple[str, str]] = {}
    for name, ids in ids_of_name.items():
        for n, person_id in enumerate(ids):
            key = name if n == 0 else f"{name} #{catalog.conference.slug}:{person_id}"
            out[f"id {person_id}"] = (key[:300], name[:300])
    for t in catalog.talks:
        for s in t.speakers:
            if not s.person_id:
                out.setdefault(_identity(s), (s.name[:300], s.name[:300]))
    return out


@dataclass
class Plan:
    """What applying a catalog will do, worked out once: reports and the write both use it."""

    catalog: Catalog  # canonical
    current: dict[str, tuple[int, TalkRecord]]
    new: list[TalkRecord] = field(default_factory=list)
    changed: list[tuple[int, TalkRecord]] = field(default_factory=list)
    gone: dict[str, int] = field(default_factory=dict)  # source id -> talk id
    unchanged: int = 0


def plan(session: Session, catalog: Catalog) -> Plan:
    """Compare a catalog with what the store holds for its conference (nothing is written)."""
    catalog = canonical(catalog)
    conference_id = session.scalar(
        select(Conference.id).where(Conference.slug == catalog.conference.slug)
    )
    current = current_talks(session, conference_id) if conference_id is not None else {}
    out = Plan(catalog, current)
    for rec in catalog.talks:
        found = current.get(rec.source_id)
        if found is None:
            out.new.append(rec)
        elif fingerprint(found[1]) != fingerprint(rec):
            out.changed.append((found[0], rec))
        else:
            out.unchanged += 1
    wanted = {t.source_id for t in catalog.talks}
    out.gone = {sid: tid for sid, (tid, _) in current.items() if sid not in wanted}
    return out


def apply_plan(session: Session, planned: Plan) -> ImportReport:
    """Write a plan made in this transaction."""
    catalog, current = planned.catalog, planned.current
    new, changed, gone = planned.new, planned.changed, planned.gone
    report = ImportReport(conference=catalog.conference.slug, unchanged=planned.unchanged)
    conference_id, event_ids = _upsert_conference(session, catalog)

    identities = speaker_keys(catalog)
    speaker_names = dict(
        identities[_identity(s)] for t in new + [c for _, c in changed] for s in t.speakers
    )
    company_names = {
        fold(s.company): s.company
        for t in new + [c for _, c in changed]
        for s in t.speakers
        if s.company
    }
    speaker_ids = _upsert_by_key(session, Speaker, speaker_names)
    company_ids = _upsert_by_key(session, Company, company_names)

    def talk_values(rec: TalkRecord) -> dict[str, Any]:
        return {
            "conference_id": conference_id,
            "event_id": event_ids[rec.event],
            "source_id": rec.source_id,
            "title": rec.title,
            "summary": rec.summary,
            "format": rec.format,
            "day": rec.day,
            "starts_at": rec.starts_at,
            "ends_at": rec.ends_at,
            "room": rec.room,
            "url": rec.url,
            "video_url": rec.video_url,
            "slides_url": rec.slides_url,
            "recording_title": rec.recording_title,
            "slides_title": rec.slides_title,
            "speakers_line": speakers_line(rec.speakers),
            "sort_key": sort_key(rec),
        }

    def links_of(talk_id: int, rec: TalkRecord) -> list[dict[str, Any]]:
        links = []
        for pos, s in enumerate(rec.speakers):
            sid = speaker_ids[identities[_identity(s)][0]]
            cid = company_ids[fold(s.company)] if s.company else None
            links.append(
                {
                    "talk_id": talk_id,
                    "speaker_id": sid,
                    "company_id": cid,
                    "position": pos,
                    "name": s.name,
                    "company_name": s.company,
                    "person_id": s.person_id,
                }
            )
        return links

    if gone:
        ids = list(gone.values())
        for start in range(0, len(ids), 5000):
            session.execute(delete(Talk).where(Talk.id.in_(ids[start : start + 5000])))
        report.removed = sorted(current[sid][1].title for sid in gone)
    if changed:
        ids = [tid for tid, _ in changed]
        session.execute(delete(TalkSpeaker).where(TalkSpeaker.talk_id.in_(ids)))
        for tid, rec in changed:
            session.execute(update(Talk).where(Talk.id == tid).values(**talk_values(rec)))
        report.changed = [rec.title for _, rec in changed]
    new_ids: list[int] = []
    if new:
        stmt = insert(Talk).returning(Talk.id, sort_by_parameter_order=True)
        new_ids = list(session.scalars(stmt, [talk_values(r) for r in new]).all())
        report.added = [r.title for r in new]
    links = []
    for tid, rec in [*changed, *zip(new_ids, new, strict=True)]:
        links.extend(links_of(tid, rec))
    if links:
        session.execute(insert(TalkSpeaker), links)
    if report.touched:
        session.execute(update(CatalogState).values(revision=CatalogState.revision + 1))
    return report
