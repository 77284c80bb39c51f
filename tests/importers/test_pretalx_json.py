"""pretalx / frab schedule JSON: the real rC3 2020 export, and a small hand-made file."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from bot.importers import detect
from bot.importers.records import Options
from tests.importers.support import (
    FIXTURES,
    PRETALX,
    assert_unchanged_reimport,
    run,
    sample,
    stored_talks,
    talk_by_source,
)

SMALL = FIXTURES / "pretalx-small.json"


def events_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        ev
        for day in data["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for ev in events
    ]


def test_the_sample_imports_every_event(store):
    text = sample(PRETALX).read_text(encoding="utf-8")
    data = json.loads(text)
    events = events_of(data)
    assert len(events) == len(re.findall(r'"guid":\s*"', text)) == 48

    result = run(store, PRETALX)
    (parsed,) = result.files
    assert parsed.format == "pretalx-json"
    assert len(result.report.added) == len(events)
    assert stored_talks(store, "rc3-channels-2020") == 48
    tracks = Counter(ev["track"] for ev in events)
    assert {c.slug: len(c.added) for c in result.events} == {
        "mon-r3s-rhein-vhs": tracks["MON r3s Rhein VHS"],
        "bam-franconian": tracks["BAM franconian"],
        "ennepetal-cwtv": 1,
        "hh-chaostrawler": 1,
        "muc-about-future": 1,
    }
    assert {e.kind for e in parsed.catalog.events} == {"track"}
    conference = parsed.catalog.conference
    assert (conference.slug, conference.name) == ("rc3-channels-2020", "rC3 Channels")
    assert (conference.starts, conference.ends) == (dt.date(2020, 12, 27), dt.date(2020, 12, 30))
    assert conference.day_one == dt.date(2020, 12, 27)


def test_sample_people_times_and_formats(store):
    data = json.loads(sample(PRETALX).read_text(encoding="utf-8"))
    run(store, PRETALX)
    first = talk_by_source(store, "c3642671-4c1f-5109-81ba-0535c1cc8428")
    assert first["title"] == "Der faule Admin automatisiert: Gluon auf echter Hardware testen"
    assert first["people"] == [("Chris Fiege", None), ("Kasa", None)]
    # "date": "2020-12-27T11:30:00+01:00", "duration": "00:40"
    assert first["starts_at"] == dt.datetime(2020, 12, 27, 10, 30, tzinfo=dt.UTC)
    assert first["ends_at"] == dt.datetime(2020, 12, 27, 11, 10, tzinfo=dt.UTC)
    assert first["day"] == dt.date(2020, 12, 27)
    assert first["room"] == "r3s - Monheim/Rhein"
    assert first["url"] == "https://pretalx.rc3.studio/rc3-channels-2020/talk/MJA8QY/"
    assert first["summary"].startswith("Eine wichtige Komponente von Freifunk")
    # the file names no zone: its one offset, +01:00, stands for it, and the notes say so
    assert first["timezone"] == "Etc/GMT-1"
    formats = Counter(talk_by_source(store, ev["guid"])["format"] for ev in events_of(data))
    types = Counter(ev["type"] for ev in events_of(data))
    workshops = sum(n for t, n in types.items() if t.startswith("Workshop"))
    assert formats["workshop"] == workshops == 2
    assert formats["lightning"] == types["LightningTalk 15min 10min Q&A"] == 1
    for ev in events_of(data):  # every person, in order
        talk = talk_by_source(store, ev["guid"])
        assert [n for n, _ in talk["people"]] == [p["public_name"] for p in ev["persons"]]


def test_sample_with_a_named_zone(store):
    result = run(store, sample(PRETALX), timezone="Europe/Berlin")
    assert result.files[0].catalog.conference.timezone == "Europe/Berlin"
    first = talk_by_source(store, "c3642671-4c1f-5109-81ba-0535c1cc8428")
    assert first["starts_at"] == dt.datetime(2020, 12, 27, 10, 30, tzinfo=dt.UTC)


def test_reimporting_the_sample_changes_nothing(store):
    run(store, sample(PRETALX))
    assert assert_unchanged_reimport(store, PRETALX).report.unchanged == 48


def edited(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A newer export: one talk moved, one renamed, one withdrawn, one new."""
    data = copy.deepcopy(data)
    days = data["schedule"]["conference"]["days"]
    rooms = days[0]["rooms"]
    room, events = next(iter(rooms.items()))
    moved, renamed, removed = events[0], events[1], events[2]
    moved["date"] = moved["date"].replace("T11:30", "T16:30")
    moved["start"] = "16:30"
    old_title = renamed["title"]
    renamed["title"] = "Renamed: " + old_title
    events.remove(removed)
    new = copy.deepcopy(moved)
    new.update(guid="00000000-0000-4000-8000-00000000beef", id=999999, title="A Brand-New Talk")
    new["persons"] = [{"id": 1, "public_name": "Ada Wombatson"}]
    days[-1]["rooms"].setdefault(room, []).append(new)
    titles = {
        "moved": moved["title"],
        "renamed": renamed["title"],
        "removed": removed["title"],
        "added": new["title"],
        "moved_guid": moved["guid"],
    }
    return data, titles


def test_a_newer_export_changes_exactly_four_talks(store, tmp_path):
    data = json.loads(sample(PRETALX).read_text(encoding="utf-8"))
    run(store, PRETALX)
    newer, titles = edited(data)
    path = tmp_path / "rc3-newer.json"
    path.write_text(json.dumps(newer), encoding="utf-8")

    report = run(store, path).report
    assert report.added == [titles["added"]]
    assert sorted(report.changed) == sorted([titles["moved"], titles["renamed"]])
    assert report.removed == [titles["removed"]]
    assert report.unchanged == 48 - 3
    moved = talk_by_source(store, titles["moved_guid"])
    assert moved["starts_at"] == dt.datetime(2020, 12, 27, 15, 30, tzinfo=dt.UTC)
    assert stored_talks(store, "rc3-channels-2020") == 48
    assert_unchanged_reimport(store, path)


# --- the hand-made file ---


def test_the_small_file(store):
    result = run(store, SMALL)
    (parsed,) = result.files
    assert parsed.catalog.conference.timezone == "Europe/Berlin"  # its time_zone_name
    # no tracks: one main event, named after the conference
    assert [(e.slug, e.name, e.kind) for e in parsed.catalog.events] == [
        ("democamp-2025", "DemoCamp 2025", "main")
    ]
    keynote = talk_by_source(store, "6b1f9f0e-0000-4000-8000-000000000001")
    assert keynote["title"] == "Platforms Are Products" and keynote["format"] == "keynote"
    assert keynote["starts_at"] == dt.datetime(2025, 6, 5, 7, 0, tzinfo=dt.UTC)  # 09:00 CEST
    night = talk_by_source(store, "6b1f9f0e-0000-4000-8000-000000000002")
    # listed on day 1, at 00:30 local on 6 June: the day is the local calendar date
    assert night["day"] == dt.date(2025, 6, 6)
    assert night["starts_at"] == dt.datetime(2025, 6, 5, 22, 30, tzinfo=dt.UTC)
    assert night["ends_at"] == dt.datetime(2025, 6, 6, 0, 0, tzinfo=dt.UTC)
    assert night["format"] == "workshop"
    assert night["summary"] == "Bring a laptop. A long workshop."  # subtitle, then description
    assert night["people"] == [("Kai Nakamura", None), ("Lena Fischer", None)]
    lightning = talk_by_source(store, "6b1f9f0e-0000-4000-8000-000000000003")
    assert lightning["format"] == "lightning" and lightning["people"] == []
    panel = talk_by_source(store, "6b1f9f0e-0000-4000-8000-000000000004")
    assert panel["format"] == "panel"
    assert panel["people"] == [("Renée Dupont", None), ("Omar Haddad", None)]
    assert_unchanged_reimport(store, SMALL)


def test_event_option_renames_the_conference(tmp_path: Path):
    parsed = detect.load(SMALL, Options(conference="democamp-berlin"))
    assert parsed.catalog.conference.slug == "democamp-berlin"
    assert parsed.catalog.events[0].slug == "democamp-berlin"  # the main event follows it
