"""Unusual or hostile input that is not an error: read sensibly, and said in the report
rather than taken silently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.store.models import Talk, TalkSpeaker
from tests.importers.support import FIXTURES, PRETALX, run, sample, talk_by_source

SMALL = FIXTURES / "pretalx-small.json"
FIRST = "6b1f9f0e-0000-4000-8000-000000000001"


def pretalx(tmp_path: Path, edit: Any, name: str = "democamp.json") -> Path:
    data = json.loads(SMALL.read_text(encoding="utf-8"))
    conference = data["schedule"]["conference"]
    edit(conference, conference["days"][0]["rooms"]["Hall A"][0])
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_title_given_per_language_is_one_title(store, tmp_path: Path):
    def per_language(conference, talk):
        talk["title"] = {"de": "Plattformen sind Produkte", "en": "Platforms Are Products"}
        talk["abstract"] = {"de": "Warum.", "en": "Why."}
        talk["track"] = {"de": "Plattformen", "en": "Platforms"}

    run(store, pretalx(tmp_path, per_language))
    talk = talk_by_source(store, FIRST)
    assert (talk["title"], talk["summary"], talk["event"]) == (
        "Platforms Are Products",  # English, when the conference names no language
        "Why.",
        "platforms",
    )

    def german_conference(conference, talk):
        per_language(conference, talk)
        conference["locale"] = "de"

    run(store, pretalx(tmp_path, german_conference))
    assert talk_by_source(store, FIRST)["title"] == "Plattformen sind Produkte"

    def neither(conference, talk):
        talk["title"] = {"fr": "Les plateformes", "es": "Las plataformas"}

    run(store, pretalx(tmp_path, neither))
    assert talk_by_source(store, FIRST)["title"] == "Les plateformes"  # the first it gives


def test_bidirectional_controls_are_removed_from_imported_text(store, tmp_path: Path, cli):
    def reversed_title(conference, talk):
        # U+202E shows what follows right to left: "stcudorP" would read "Products"
        talk["title"] = "Platforms Are \u202estcudorP\u202c"
        talk["persons"][0]["public_name"] = "Ren\u2067ée\u2069 Dupont\u200f"
        talk["abstract"] = "Why &#x202E;reversed."

    run(store, pretalx(tmp_path, reversed_title))
    talk = talk_by_source(store, FIRST)
    assert talk["title"] == "Platforms Are stcudorP"
    assert talk["people"] == [("Renée Dupont", None)]
    assert talk["summary"] == "Why reversed."
    with store.session() as s:
        talk_id = s.scalar(select(Talk.id).where(Talk.source_id == FIRST))
    shown = cli("ask", f"/talks {talk_id}").stdout
    assert "Platforms Are stcudorP" in shown
    assert not any(ch in shown for ch in "\u202e\u202c\u2067\u2069\u200f")


@pytest.mark.slow
def test_ten_thousand_speakers_are_noted_and_kept_to_a_hundred(store, tmp_path: Path, cli):
    def crowd(conference, talk):
        talk["persons"] = [{"id": n, "public_name": f"Person Number{n}"} for n in range(10_000)]

    path = pretalx(tmp_path, crowd)
    out = cli("import", str(path)).output
    assert "lists 10,000 speakers: only the first 100 are kept" in out
    assert "Platforms Are Products" in out.split("lists 10,000")[0].splitlines()[-1]
    with store.session() as s:
        talk_id = s.scalar(select(Talk.id).where(Talk.source_id == FIRST))
        kept = s.scalar(
            select(func.count()).select_from(TalkSpeaker).where(TalkSpeaker.talk_id == talk_id)
        )
    assert kept == 100


def test_times_whose_offset_contradicts_the_named_zone_are_noted(store, tmp_path: Path, cli):
    def far_offset(conference, talk):
        talk["date"] = "2025-06-05T09:00:00+05:00"  # Europe/Berlin is +02:00 in June

    out = cli("import", str(pretalx(tmp_path, far_offset))).output
    assert "1 of 4 times carry a UTC offset that Europe/Berlin does not have" in out
    assert "days[0].rooms['Hall A'][0]" in out and "+05:00 where Europe/Berlin is +02:00" in out
    # kept as the instant the file writes
    assert talk_by_source(store, FIRST)["starts_at"].isoformat() == "2025-06-05T04:00:00+00:00"
    # a file that agrees with its zone has no such note
    assert "UTC offset" not in cli("import", str(SMALL)).output


def test_a_fixed_offset_zone_reads_as_utc_plus_one_and_a_bar_stays_a_bar(
    store, tmp_path: Path, cli
):
    def barred(conference, talk):
        talk["title"] = "Theater | Platforms Are Products"

    out = cli("import", str(sample(PRETALX))).output
    assert "time zone UTC+1 (Etc/GMT-1)" in out
    with store.session() as s:
        talk_id = s.scalar(
            select(Talk.id).where(Talk.starts_at.is_not(None)).order_by(Talk.id).limit(1)
        )
    shown = cli("ask", f"/talks {talk_id}").stdout
    assert "UTC+1" in shown and "Etc/GMT" not in shown

    run(store, pretalx(tmp_path, barred))
    with store.session() as s:
        talk_id = s.scalar(select(Talk.id).where(Talk.source_id == FIRST))
    shown = cli("ask", f"/talks {talk_id}").stdout
    assert "Theater | Platforms Are Products" in shown and "¦" not in shown
