"""Catalog YAML files for the importer tests: the seed as text and as data, edited copies
written back, and a snapshot of everything an import may touch."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

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
from bot.talks.word_index import documents
from tests.conftest import CATALOG

SEED_TEXT = CATALOG.read_text(encoding="utf-8")
SEED: dict[str, Any] = yaml.safe_load(SEED_TEXT)


def seed_copy() -> dict[str, Any]:
    return copy.deepcopy(SEED)


def talk_index(data: dict[str, Any], source_id: str) -> int:
    (i,) = [n for n, t in enumerate(data["talks"]) if t["id"] == source_id]
    return i


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def snapshot(store: Store) -> dict[str, Any]:
    """Everything an import may touch, in comparable form."""
    with store.session() as s:
        return {
            "revision": s.scalar(select(CatalogState.revision)),
            "conferences": s.execute(
                select(Conference.slug, Conference.name, Conference.starts).order_by(Conference.id)
            ).all(),
            "events": s.execute(select(Event.id, Event.slug, Event.name).order_by(Event.id)).all(),
            "talks": s.execute(
                select(Talk.id, Talk.source_id, Talk.title, Talk.speakers_line, Talk.day).order_by(
                    Talk.id
                )
            ).all(),
            "links": s.execute(
                select(
                    TalkSpeaker.talk_id,
                    TalkSpeaker.speaker_id,
                    TalkSpeaker.company_id,
                    TalkSpeaker.position,
                ).order_by(TalkSpeaker.talk_id, TalkSpeaker.position)
            ).all(),
            "speakers": s.execute(select(Speaker.id, Speaker.name).order_by(Speaker.id)).all(),
            "companies": s.execute(select(Company.id, Company.name).order_by(Company.id)).all(),
            "search": list(documents(s)),
        }
