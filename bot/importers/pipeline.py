"""Importing files: read every file first, then write them all in one transaction.

A file that cannot be read stops the import before anything is written; a database error rolls
the whole import back; a dry run rolls back what it wrote. Files that name the same conference
(Sched's per-day exports, say) are merged into one catalog first, since importing a catalog
removes the conference's talks that it does not hold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.importers import detect, follow_notices
from bot.importers.apply import ImportReport, Plan, apply_plan, plan
from bot.importers.days import main_first_day
from bot.importers.records import Catalog, CatalogFileError, Options, Parsed
from bot.store import Store
from bot.store.models import Conference, Event, Talk
from bot.times import Clock, utcnow


@dataclass
class EventChanges:
    """What an import did to one event (a track, a co-located event) of the conference."""

    slug: str
    name: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = [
            f"{len(titles)} {label}"
            for label, titles in (
                ("added", self.added),
                ("changed", self.changed),
                ("removed", self.removed),
            )
            if titles
        ]
        return f"{self.slug} ({self.name}): {', '.join(counts)}"


@dataclass
class ImportResult:
    report: ImportReport
    files: list[Parsed]
    events: list[EventChanges]  # the events with changes, in the catalog's order
    notices: int = 0  # DMs owed to people following a talk that moved or was withdrawn
    moved_from: dict[str, int] = field(default_factory=dict)  # conference -> talks moved here


def merge(parsed: Iterable[Parsed]) -> list[tuple[Catalog, list[Parsed]]]:
    """One catalog per conference: files naming the same conference add up."""
    groups: dict[str, tuple[Catalog, list[Parsed]]] = {}
    owner: dict[tuple[str, str], str] = {}
    for p in parsed:
        slug = p.catalog.conference.slug
        for t in p.catalog.talks:
            first = owner.setdefault((slug, t.source_id), p.path)
            if first != p.path:
                raise CatalogFileError(
                    f"{p.path}: talk id {t.source_id!r} ({t.title!r}) is also in {first}, "
                    f"and both files are conference {slug}"
                )
        if slug not in groups:
            catalog = Catalog(p.catalog.conference, list(p.catalog.events), list(p.catalog.talks))
            groups[slug] = (catalog, [p])
            continue
        catalog, files = groups[slug]
        files.append(p)
        known = {e.slug for e in catalog.events}
        catalog.events.extend(e for e in p.catalog.events if e.slug not in known)
        catalog.talks.extend(p.catalog.talks)
        a, b = catalog.conference, p.catalog.conference
        starts = min((d for d in (a.starts, b.starts) if d), default=None)
        ends = max((d for d in (a.ends, b.ends) if d), default=None)
        day_one = min((d for d in (a.day_one, b.day_one) if d), default=None)
        catalog.conference = dataclasses.replace(a, starts=starts, ends=ends, day_one=day_one)
    for catalog, files in groups.values():
        if len(files) > 1 and any(f.format == "sched-ics" for f in files):
            # per-day Sched exports: day 1 is decided on the whole schedule, not the earliest
            # file's own guess (a Sunday file of one summit entry is no main conference)
            day_one = main_first_day(catalog.talks, catalog.events)
            catalog.conference = dataclasses.replace(catalog.conference, day_one=day_one)
    return list(groups.values())


def changes_by_event(session: Session, planned: Plan) -> list[EventChanges]:
    """What a plan will change, per event (the stored events' names for withdrawn talks)."""
    catalog = planned.catalog
    names = {e.slug: e.name for e in catalog.events}
    stored = session.execute(
        select(Event.slug, Event.name)
        .join(Conference, Conference.id == Event.conference_id)
        .where(Conference.slug == catalog.conference.slug)
    )
    for slug, name in stored:
        names.setdefault(slug, name)
    order = [e.slug for e in catalog.events] + sorted(set(names) - {e.slug for e in catalog.events})
    per = {slug: EventChanges(slug, names[slug]) for slug in order}
    for rec in planned.new:
        per[rec.event].added.append(rec.title)
    for _, rec in planned.changed:
        per[rec.event].changed.append(rec.title)
    for sid in planned.gone:
        rec = planned.current[sid][1]
        per[rec.event].removed.append(rec.title)
    return [c for c in per.values() if c.added or c.changed or c.removed]


def claim_ids(session: Session, catalog: Catalog, files: list[Parsed]) -> dict[str, int]:
    """Talks of this file that another conference holds under the same source ids.

    A Sched UID names one entry of one schedule: held elsewhere, it is the same file imported
    under another conference name. Refused, naming that conference; with --event the talks
    move here (removed there). Returns {other conference: talks moved}.
    """
    if not any(f.global_ids for f in files):
        return {}
    sids = [t.source_id for t in catalog.talks]
    held: dict[str, list[int]] = {}
    for start in range(0, len(sids), 5000):
        rows = session.execute(
            select(Conference.slug, Talk.id)
            .join(Conference, Conference.id == Talk.conference_id)
            .where(
                Talk.source_id.in_(sids[start : start + 5000]),
                Conference.slug != catalog.conference.slug,
            )
        )
        for slug, talk_id in rows:
            held.setdefault(slug, []).append(talk_id)
    if not held:
        return {}
    if not all(f.conference_named for f in files):
        other, ids = max(held.items(), key=lambda kv: len(kv[1]))
        raise CatalogFileError(
            f"{files[0].path}: {len(ids)} of its talks are already in conference {other} "
            f"(the same Sched entries); import it as that conference (--event {other}), or "
            f"name this one with --event to move them here"
        )
    for ids in held.values():
        for start in range(0, len(ids), 5000):
            session.execute(delete(Talk).where(Talk.id.in_(ids[start : start + 5000])))
    # a conference left with no talks was only this file under another name: it goes, with
    # its events, or its empty tracks would stand beside this one's of the same names
    left = select(Talk.id).where(Talk.conference_id == Conference.id).exists()
    session.execute(delete(Conference).where(Conference.slug.in_(list(held)), ~left))
    return {slug: len(ids) for slug, ids in held.items()}


def import_parsed(
    store: Store,
    parsed: list[Parsed],
    *,
    dry_run: bool = False,
    now: Clock = utcnow,
) -> list[ImportResult]:
    """Write read files into the store, in one transaction; a dry run rolls it back."""
    groups = merge(parsed)
    results = []
    with store.sessions() as session, session.begin() as tx:
        for catalog, files in groups:
            moved = claim_ids(session, catalog, files)
            planned = plan(session, catalog)
            events = changes_by_event(session, planned)
            followed = follow_notices.snapshot(session, catalog.conference.slug)
            report = apply_plan(session, planned)
            # followers are owed their DMs in the same transaction as the change itself
            notices = follow_notices.owe_notices(session, catalog.conference.slug, followed, now())
            results.append(ImportResult(report, files, events, notices, moved))
        if dry_run:
            tx.rollback()
    return results


def import_files(
    store: Store,
    paths: Iterable[Path | str],
    options: Options | None = None,
    *,
    dry_run: bool = False,
) -> list[ImportResult]:
    """Read every file (any format), then write them all; nothing is written if one is bad."""
    unique = list(dict.fromkeys(Path(p) for p in paths))
    parsed = [detect.load(p, options) for p in unique]
    return import_parsed(store, parsed, dry_run=dry_run)
