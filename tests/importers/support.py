"""Shared by the importer tests: the real sample files, store snapshots, reports by title."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.importers.pipeline import ImportResult, import_files
from bot.importers.records import Options
from bot.store import Store
from bot.store.models import (
    CatalogState,
    Company,
    Conference,
    Event,
    Speaker,
    Talk,
    TalkSpeaker,
)
from tests.conftest import SAMPLES

FIXTURES = Path(__file__).parent / "fixtures"
SCHED = SAMPLES / "sched-kubecon-eu-2026-2026-03-24.ics"
PRETALX = SAMPLES / "pretalx-rc3-2020.json"
FRAB = SAMPLES / "frab-31c3-2014.xml"
SESSIONIZE = SAMPLES / "sessionize-global-azure-austria-2024.json"


def sample(path: Path) -> Path:
    """A real export from tests/samples (shipped with the tests: a missing one is a failure)."""
    assert path.exists(), f"{path} is missing: the real exports live in tests/samples"
    return path


def run(store: Store, *paths: Path, dry_run: bool = False, **options: Any) -> ImportResult:
    """Import files as `wgbot import` does; the one conference's result."""
    (result,) = import_files(store, paths, Options(**options), dry_run=dry_run)
    return result


TABLES = (CatalogState, Conference, Event, Talk, TalkSpeaker, Speaker, Company)


def counts(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0 for m in TABLES}


def snapshot(store: Store) -> dict[str, Any]:
    """Every row an import may touch, in comparable form."""
    with store.session() as s:
        out: dict[str, Any] = {}
        for model in TABLES:
            columns = [c for c in model.__table__.columns if c.name != "document"]
            order = list(model.__table__.primary_key.columns)
            out[model.__tablename__] = s.execute(select(*columns).order_by(*order)).all()
        return out


def talk_by_source(store: Store, source_id: str) -> dict[str, Any]:
    with store.session() as s:
        row = s.execute(
            select(Talk, Event.slug, Event.kind, Conference.timezone)
            .join(Event, Event.id == Talk.event_id)
            .join(Conference, Conference.id == Talk.conference_id)
            .where(Talk.source_id == source_id)
        ).one()
        talk, event, kind, tz = row
        people = s.execute(  # as this talk's conference spells them
            select(TalkSpeaker.name, TalkSpeaker.company_name)
            .where(TalkSpeaker.talk_id == talk.id)
            .order_by(TalkSpeaker.position)
        ).all()
        return {
            "title": talk.title,
            "event": event,
            "kind": kind,
            "timezone": tz,
            "format": talk.format,
            "day": talk.day,
            "starts_at": talk.starts_at,
            "ends_at": talk.ends_at,
            "room": talk.room,
            "url": talk.url,
            "summary": talk.summary,
            "people": [tuple(p) for p in people],
        }


def stored_talks(store: Store, conference: str) -> int:
    with store.session() as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(Talk)
                .join(Conference, Conference.id == Talk.conference_id)
                .where(Conference.slug == conference)
            )
            or 0
        )


def assert_unchanged_reimport(store: Store, *paths: Path, **options: Any) -> ImportResult:
    before = snapshot(store)
    again = run(store, *paths, **options)
    assert (again.report.added, again.report.changed, again.report.removed) == ([], [], [])
    assert again.events == []
    assert snapshot(store) == before  # revision, ids, links, search rows: all the same
    return again


def vevents(text: str) -> list[str]:
    """An iCalendar file's VEVENT blocks, lines unfolded."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    return re.findall(r"^BEGIN:VEVENT\r?$.*?^END:VEVENT\r?$", unfolded, re.M | re.S)


def field(event: str, name: str) -> str:
    m = re.search(rf"^{name}(?:;[^:]*)?:(.*?)\r?$", event, re.M)
    return m.group(1) if m else ""
