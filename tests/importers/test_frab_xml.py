"""frab schedule XML: the real 31C3 schedule, and a small hand-made Latin-1 file."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from html import unescape

import pytest

from tests.importers.support import (
    FIXTURES,
    FRAB,
    assert_unchanged_reimport,
    run,
    sample,
    stored_talks,
    talk_by_source,
)

SMALL = FIXTURES / "frab-small.xml"
EVENT = re.compile(r"<event guid='(?P<guid>[^']+)' id='(?P<id>\d+)'>.*?</event>", re.S)


@pytest.mark.slow
def test_the_sample_imports_every_event(store):
    text = sample(FRAB).read_text(encoding="utf-8")
    count = len(re.findall(r"<event ", text))
    assert count == len(EVENT.findall(text)) == 138
    tracks = Counter(unescape(t) for t in re.findall(r"<track>([^<]*)</track>", text))

    result = run(store, FRAB)
    (parsed,) = result.files
    assert parsed.format == "frab-xml"
    assert len(result.report.added) == count
    assert stored_talks(store, "31c3") == count
    per_event = {c.name: len(c.added) for c in result.events}
    assert per_event == dict(tracks)
    assert per_event["Security & Hacking"] == 38
    conference = parsed.catalog.conference
    assert (conference.slug, conference.name) == ("31c3", "31. Chaos Communication Congress")
    assert conference.day_one == dt.date(2014, 12, 27)


def test_sample_people_times_and_text(store):
    text = sample(FRAB).read_text(encoding="utf-8")
    run(store, FRAB)
    opening = talk_by_source(store, "29aecfd7-2e44-4f49-ab86-29b5e0877325")
    assert opening["title"] == "31C3 Opening Event"
    assert opening["people"] == [("erdgeist", None), ("Geraldine de Bastion", None)]
    # <date>2014-12-27T11:00:00+01:00</date>, <duration>00:30</duration>
    assert opening["starts_at"] == dt.datetime(2014, 12, 27, 10, 0, tzinfo=dt.UTC)
    assert opening["ends_at"] == dt.datetime(2014, 12, 27, 10, 30, tzinfo=dt.UTC)
    assert opening["day"] == dt.date(2014, 12, 27)
    assert opening["room"] == "Saal 1"
    assert opening["event"] == "ccc" and opening["kind"] == "track"
    scada = talk_by_source(store, "OQzXwQcnHSLD9Qd7Iu7Rqw")  # &quot; in the abstract
    assert 'traditional "heavy" industrial solutions' in scada["summary"]
    # every event's people, as the file lists them
    for m in EVENT.finditer(text):
        people = [
            unescape(p).strip() for p in re.findall(r"<person id='\d+'>([^<]*)</person>", m[0])
        ]
        assert [n for n, _ in talk_by_source(store, m["guid"])["people"]] == people
    podium = [e["guid"] for e in EVENT.finditer(text) if "<type>podium</type>" in e[0]]
    assert len(podium) == 1 and talk_by_source(store, podium[0])["format"] == "panel"


def test_reimporting_the_sample_changes_nothing(store):
    run(store, sample(FRAB))
    assert assert_unchanged_reimport(store, FRAB).report.unchanged == 138


def test_a_newer_schedule_changes_exactly_four_talks(store, tmp_path):
    text = sample(FRAB).read_text(encoding="utf-8")
    run(store, FRAB)
    events = list(EVENT.finditer(text))
    moved, renamed, removed = events[10], events[20], events[30]
    title = re.compile(r"<title>([^<]*)</title>")
    moved_title = unescape(title.search(moved[0])[1])
    renamed_old = title.search(renamed[0])[1]
    removed_title = unescape(title.search(removed[0])[1])
    new_block = re.sub(r"guid='[^']+' id='\d+'", "guid='new-guid-1' id='99999'", moved[0])
    new_block = title.sub("<title>A Brand-New Talk</title>", new_block, count=1)
    moved_block = re.sub(r"<date>(\d{4}-\d{2}-\d{2})T\d\d:", r"<date>\1T23:", moved[0])
    renamed_block = renamed[0].replace(f"<title>{renamed_old}</title>", "<title>Retitled</title>")
    newer_text = (
        text.replace(moved[0], moved_block + "\n" + new_block)
        .replace(renamed[0], renamed_block)
        .replace(removed[0], "")
    )
    newer = tmp_path / "31c3-newer.xml"
    newer.write_text(newer_text, encoding="utf-8")

    report = run(store, newer).report
    assert report.added == ["A Brand-New Talk"]
    assert sorted(report.changed) == sorted([moved_title, "Retitled"])
    assert report.removed == [removed_title]
    assert report.unchanged == 138 - 3
    assert talk_by_source(store, moved["guid"])["starts_at"].hour == 22  # 23:00 at +01:00
    assert_unchanged_reimport(store, newer)


def test_the_small_latin1_file(store):
    assert b"encoding='iso-8859-1'" in SMALL.read_bytes()[:60]
    result = run(store, SMALL)
    (parsed,) = result.files
    assert parsed.catalog.conference.name == "DemoFest 2025 in Zürich"
    assert parsed.catalog.conference.timezone == "Europe/Brussels"
    assert [(e.slug, e.name, e.kind) for e in parsed.catalog.events] == [
        ("platforms-delivery", "Platforms & Delivery", "track"),
        ("community", "Community", "track"),
    ]
    apis = talk_by_source(store, "f0a3e7c2-0000-4000-8000-000000000001")
    assert apis["title"] == "Platform APIs für alle"
    assert apis["people"] == [("Jürgen Müller", None), ("Anaïs Leroy", None)]
    # an HTML abstract, escaped as XML text: tags gone, entities decoded
    assert apis["summary"] == "Golden paths without gatekeepers. Second paragraph & more."
    assert apis["url"] == "https://demofest.example.org/2025/schedule/event/platform_apis/"
    hack = talk_by_source(store, "102")  # no guid: the frab id is the key
    assert hack["format"] == "workshop" and hack["url"] is None
    assert hack["starts_at"] == dt.datetime(2025, 2, 1, 22, 45, tzinfo=dt.UTC)
    assert hack["day"] == dt.date(2025, 2, 1)
    panel = talk_by_source(store, "f0a3e7c2-0000-4000-8000-000000000003")
    assert panel["format"] == "panel" and panel["room"] == "Janson"
    assert_unchanged_reimport(store, SMALL)
