"""Importing files: read every file first, then write them all in one transaction.

A file that cannot be read stops the import before anything is written; a database error rolls
the whole import back; a dry run rolls back what it wrote. Files that name the same conference
(Sched's per-day exports, say) are merged into one catalog first, since importing a catalog
removes the conference's talks that it does not hold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.importers import detect
from bot.importers.apply import ImportReport, _current, _fingerprint, apply_catalog, canonical
from bot.importers.common import Options, Parsed
from bot.importers.records import Catalog, CatalogFileError
from bot.store import Store
from bot.store.models import Conference, Event
from bot.talks import follows


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
        catalog.conference = dataclasses.replace(a, starts=starts, ends=ends)
    return list(groups.values())


def changes_by_event(session: Session, catalog: Catalog) -> list[EventChanges]:
    """What applying the catalog will change, per event; read before apply_catalog writes."""
    conference_id = session.scalar(
        select(Conference.id).where(Conference.slug == catalog.conference.slug)
    )
    current = _current(session, conference_id) if conference_id is not None else {}
    names = {e.slug: e.name for e in catalog.events}
    if conference_id is not None:
        stored = session.execute(
            select(Event.slug, Event.name).where(Event.conference_id == conference_id)
        )
        for slug, name in stored:
            names.setdefault(slug, name)
    order = [e.slug for e in catalog.events] + sorted(set(names) - {e.slug for e in catalog.events})
    per = {slug: EventChanges(slug, names[slug]) for slug in order}
    wanted = set()
    for rec in canonical(catalog).talks:
        wanted.add(rec.source_id)
        found = current.get(rec.source_id)
        if found is None:
            per[rec.event].added.append(rec.title)
        elif _fingerprint(found[1]) != _fingerprint(rec):
            per[rec.event].changed.append(rec.title)
    for sid, (_, rec) in current.items():
        if sid not in wanted:
            per[rec.event].removed.append(rec.title)
    return [c for c in per.values() if c.added or c.changed or c.removed]


def import_parsed(
    store: Store,
    parsed: list[Parsed],
    *,
    dry_run: bool = False,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> list[ImportResult]:
    """Write read files into the store, in one transaction; a dry run rolls it back."""
    groups = merge(parsed)
    results = []
    with store.sessions() as session, session.begin() as tx:
        for catalog, files in groups:
            events = changes_by_event(session, catalog)
            followed = follows.snapshot(session, catalog.conference.slug)
            report = apply_catalog(session, catalog)
            # followers are owed their DMs in the same transaction as the change itself
            notices = follows.owe_notices(session, catalog.conference.slug, followed, now())
            results.append(ImportResult(report, files, events, notices))
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
