"""Imports say what the file says: each shape here was found in a real export the tests do not
carry, and is rebuilt in a hand-made file of the same shape (names made up)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from bot.importers import detect
from bot.importers.records import CatalogFileError
from tests.importers.support import (
    FIXTURES,
    assert_unchanged_reimport,
    run,
    snapshot,
    stored_talks,
    talk_by_source,
)

SHAPES = FIXTURES / "sched-shapes.ics"
PRETALX = FIXTURES / "pretalx-small.json"
SESSIONIZE = FIXTURES / "sessionize-democloud-vienna-2025.json"


# --- Sched speaker tails ---

PEOPLE = {
    # a role between the name and the company
    "shape-role-between": ("Platforms at Scale", [("Jane Doe", "Acme Corp")]),
    # a role instead of a company: no company, and the role is nobody
    "shape-role-only": ("Maintaining the Operator", [("Jane Roe", None)]),
    # a company with "&" in it, then a second person
    "shape-ampersand-company": (
        "Banking on Kubernetes",
        [("Jane Doe", "Banque Exemple & Cie SA"), ("Bo Li", "Beta")],
    ),
    "shape-one-word": ("Service Mesh Without Tears", [("Flynn", "Buoyant")]),
    "shape-nickname": ("Golden Paths in Practice", [('Ana "Nick" Pérez', "Acme")]),
    "shape-no-space": ("Is It Ready?", [("Ana Pérez", "Acme")]),
    # five people, four shapes: "N, C", "N, Role, C", "N & N, C", "OneWord, C"
    "shape-panel": (
        "The Future of Platforms",
        [
            ("Ann Lee", "Acme"),
            ("Bob Ray", "Beta Labs"),
            ("Cy Dee", "Gamma"),
            ("Dan Eve", "Gamma"),
            ("Flynn", "Buoyant"),
        ],
    ),
    "shape-panel-2": (
        "Who Runs the Platform?",
        [
            ("Ann Lee", "Acme"),
            ("Bob Ray", "Acme"),
            ("Cy Dee", "Acme"),
            ("Dan Eve", "Beta"),
            ("Eve Fox", None),
        ],
    ),
}


def test_every_speaker_tail_shape_gives_its_people_and_leaves_a_clean_title(store):
    run(store, SHAPES)
    for uid, (title, people) in PEOPLE.items():
        talk = talk_by_source(store, uid)
        assert talk["title"] == title, uid
        assert talk["people"] == people, uid
    # nobody is a job title or a fragment of a company
    everyone = {p for _, people in PEOPLE.values() for p, _ in people}
    assert not everyone & {"Core Maintainer", "Principal Engineer", "Cie SA", "Banque Exemple"}


def test_breaks_not_named_like_breaks_are_not_talks(store):
    result = run(store, SHAPES)
    (parsed,) = result.files
    assert sorted(parsed.skipped) == [
        "Keynote Sessions: Break",
        "Lunch | On Own",
        "Mini Break",
        "Solutions Showcase Hall Open",
    ]
    assert stored_talks(store, "shapecon26") == 10


def test_track_names_are_kept_as_the_organisers_spell_them(store):
    (parsed,) = run(store, SHAPES).files
    names = {e.slug: e.name for e in parsed.catalog.events}
    assert names["cncf-hosted-co-located-events"] == "CNCF-HOSTED CO-LOCATED EVENTS"
    assert names["keynotes-day-2"] == "Keynotes: Day 2"


def test_day_one_is_the_first_main_conference_day(store, cli):
    (parsed,) = run(store, SHAPES).files
    # the co-located events' day (23 March) comes before day 1
    assert parsed.catalog.conference.day_one == dt.date(2026, 3, 24)
    day2 = cli("ask", "/talks shapecon26 day 2")
    assert "Closing the Loop" in day2.stdout
    assert "Co-located Opening" not in day2.stdout


def test_a_vevent_without_dtstart_is_refused_with_its_line(store, tmp_path):
    text = SHAPES.read_text(encoding="utf-8")
    broken = tmp_path / "shapes.ics"
    # the talk of UID shape-one-word loses its start
    block = re.search(r"BEGIN:VEVENT\r?\n(?:(?!END:VEVENT).)*?UID:shape-one-word", text, re.S)
    assert block
    line = text[: block.start()].count("\n") + 1
    start = text.index("DTSTART", block.start())
    broken.write_text(text[:start] + text[text.index("\n", start) + 1 :], encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(CatalogFileError) as err:
        run(store, broken)
    assert f"line {line}" in str(err.value)
    assert "no DTSTART" in str(err.value) and "shape-one-word" in str(err.value)
    assert snapshot(store) == before


# --- one Sched file, two conference names ---


def test_the_same_sched_file_under_another_name_is_refused_naming_the_conference(store, cli):
    run(store, SHAPES)  # as shapecon26, the calendar's name
    before = snapshot(store)
    again = cli("import", "--event", "shape-2026", str(SHAPES))
    assert again.exit_code == 0, again.output  # --event: the talks move, and it says so
    assert "10 talks moved here from conference shapecon26 (--event)" in again.stdout
    assert stored_talks(store, "shape-2026") == 10
    assert stored_talks(store, "shapecon26") == 0
    assert snapshot(store) != before
    # back without --event: the file would be shapecon26 again, holding shape-2026's talks
    refused = cli("import", str(SHAPES))
    assert refused.exit_code != 0
    assert "10 of its talks are already in conference shape-2026" in refused.output
    assert "Nothing was changed." in refused.output
    assert stored_talks(store, "shapecon26") == 0
    # every talk once: the search finds one Flynn talk
    flynn = cli("ask", "/talks service mesh without tears")
    assert flynn.stdout.count("Service Mesh Without Tears") == 1


# --- people across conferences ---


def _respelt(tmp_path: Path) -> Path:
    """Another conference, other UIDs, the same people spelt otherwise."""
    text = SHAPES.read_text(encoding="utf-8")
    text = text.replace("X-WR-CALNAME:shapecon26", "X-WR-CALNAME:othercon26")
    text = text.replace("UID:shape-", "UID:other-")
    text = text.replace("Ana Pérez\\, Acme", "Ana Perez\\, ACME Inc.")
    text = text.replace("Flynn\\, Buoyant", "Flynn\\, Buoyant.io")
    path = tmp_path / "other.ics"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_conference_keeps_its_spelling_and_reimports_report_nothing(store, tmp_path):
    run(store, SHAPES)
    other = _respelt(tmp_path)
    run(store, other)
    # one person across conferences, each appearance as its own file spelt it
    assert talk_by_source(store, "shape-no-space")["people"] == [("Ana Pérez", "Acme")]
    assert talk_by_source(store, "other-no-space")["people"] == [("Ana Perez", "ACME Inc.")]
    assert talk_by_source(store, "shape-one-word")["people"] == [("Flynn", "Buoyant")]
    assert talk_by_source(store, "other-one-word")["people"] == [("Flynn", "Buoyant.io")]
    # unchanged files, whatever else was imported in between: nothing to report, ever
    for _ in range(2):
        assert_unchanged_reimport(store, SHAPES)
        assert_unchanged_reimport(store, other)


# --- pretalx / frab ---


def _pretalx(tmp_path: Path, **conference: object) -> tuple[Path, dict]:
    data = json.loads(PRETALX.read_text(encoding="utf-8"))
    data["schedule"]["conference"].update(conference)
    return tmp_path / "democamp.json", data


def test_an_abstract_and_a_description_are_both_kept_and_searchable(store, tmp_path, cli):
    path, data = _pretalx(tmp_path)
    first = data["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][0]
    first["description"] = "<p>We measure <b>onboarding latency</b> in hours.</p>"
    path.write_text(json.dumps(data), encoding="utf-8")
    run(store, path)
    summary = talk_by_source(store, first["guid"])["summary"]
    assert "Why **platform teams** need product managers." in summary
    assert "We measure onboarding latency in hours." in summary
    found = cli("ask", "/talks latency")
    assert "Platforms Are Products" in found.stdout
    assert "Did you mean" not in found.stdout


def test_a_zone_name_every_time_contradicts_is_not_used_and_said(store, tmp_path):
    path, data = _pretalx(tmp_path, time_zone_name="UTC")
    text = json.dumps(data).replace("+02:00", "+01:00")
    path.write_text(text, encoding="utf-8")
    result = run(store, path)
    (parsed,) = result.files
    assert parsed.catalog.conference.timezone == "Etc/GMT-1"
    assert any("time_zone_name UTC disagrees with every time" in n for n in parsed.notes)
    talk = talk_by_source(store, "6b1f9f0e-0000-4000-8000-000000000002")
    # 00:30 +01:00 on the 6th is the 5th at 23:30 UTC, and its day is the 6th where it happens
    assert talk["starts_at"] == dt.datetime(2025, 6, 5, 23, 30, tzinfo=dt.UTC)
    assert talk["day"] == dt.date(2025, 6, 6)


def test_sessionize_has_a_day_one(store, cli):
    parsed = detect.load(SESSIONIZE)
    assert parsed.catalog.conference.day_one == dt.date(2025, 9, 18)
    run(store, SESSIONIZE)
    slug = parsed.catalog.conference.slug
    day1 = cli("ask", f"/talks {slug} day 1")
    assert "No talks" not in day1.stdout
    assert parsed.catalog.talks[0].title in day1.stdout
