"""Sched iCalendar: the real KubeCon EU 2026 day export, and a small hand-made file (who spoke,
read from the summaries, is in test_sched_speakers.py).

Counts and expectations are taken from the files themselves, by regular expressions and by
reading them, not from the importer.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from bot.importers import detect
from bot.importers.records import Options
from tests.importers.support import (
    FIXTURES,
    SCHED,
    assert_unchanged_reimport,
    field,
    run,
    sample,
    stored_talks,
    talk_by_source,
    vevents,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SMALL = FIXTURES / "sched-small.ics"


# --- the real export ---


def test_the_sample_imports_every_talk_and_skips_only_logistics(store):
    text = sample(SCHED).read_text(encoding="utf-8")
    entries = vevents(text)
    assert len(entries) == text.count("BEGIN:VEVENT") == 179
    # the non-talks, found independently: registration and break categories, no " - " speakers
    logistics = [e for e in entries if field(e, "CATEGORIES") in ("REGISTRATION", "BREAKS")]
    assert all(" - " not in field(e, "SUMMARY") for e in logistics)
    assert len(logistics) == 7
    # and what nobody speaks at either: the expo's hours, the lists of booths, empty demo slots
    logistics += [
        e
        for e in entries
        if field(e, "SUMMARY") in ("Solutions Showcase", "Gold Sponsor In-Booth Demos")
        or (field(e, "SUMMARY") == "Project Demo" and field(e, "DESCRIPTION") in ("", "\\n"))
    ]
    assert len(logistics) == 7 + 1 + 8 + 5
    expected = len(entries) - len(logistics)

    result = run(store, SCHED)
    (parsed,) = result.files
    assert len(parsed.catalog.talks) == expected == 158
    assert sorted(parsed.skipped) == sorted(
        field(e, "SUMMARY").replace("\\,", ",") for e in logistics
    )
    assert len(result.report.added) == expected
    assert result.report.changed == [] and result.report.removed == []
    assert stored_talks(store, "kccnceu2026") == expected

    # one track per category of the talks, each with as many talks as the file gives it
    categories: dict[str, int] = {}
    for e in entries:
        if e not in logistics:
            cat = field(e, "CATEGORIES")
            categories[cat] = categories.get(cat, 0) + 1
    per_event = {c.slug: len(c.added) for c in result.events}
    assert len(per_event) == len(categories) == 19
    assert per_event["maintainer-track"] == categories["MAINTAINER TRACK"] == 27
    assert per_event["ai-ml"] == categories["AI + ML"] == 12
    assert per_event["contribfest"] == categories["🚨 CONTRIBFEST"] == 6
    assert sum(per_event.values()) == expected
    assert {e.kind for e in parsed.catalog.events} == {"track"}


def test_the_sample_names_its_conference_and_its_zone(store):
    result = run(store, sample(SCHED))
    conference = result.files[0].catalog.conference
    assert conference.slug == "kccnceu2026"  # X-WR-CALNAME
    assert conference.name == "KubeCon + CloudNativeCon Europe 2026"  # PRODID
    # X-WR-TIMEZONE says UTC (the times are UTC); the venue's city names the local zone
    assert "X-WR-TIMEZONE:UTC" in SCHED.read_text(encoding="utf-8")
    assert conference.timezone == "Europe/Amsterdam"
    assert conference.city == "Amsterdam"
    assert conference.starts == conference.ends == dt.date(2026, 3, 24)
    notes = " ".join(result.files[0].notes)
    assert "X-WR-CALNAME" in notes and "--event" in notes
    assert "Europe/Amsterdam" in notes and "--timezone" in notes


def test_sample_times_are_utc_instants_shown_in_amsterdam(store):
    run(store, sample(SCHED))
    opening = talk_by_source(store, "6d33234981cf5b14145b63b75fa9e0c0")
    # DTSTART:20260324T080000Z, DTEND:20260324T083500Z: 09:00 to 09:35 in Amsterdam (CET)
    assert opening["starts_at"] == dt.datetime(2026, 3, 24, 8, 0, tzinfo=dt.UTC)
    assert opening["ends_at"] == dt.datetime(2026, 3, 24, 8, 35, tzinfo=dt.UTC)
    assert opening["starts_at"].astimezone(AMSTERDAM).strftime("%H:%M") == "09:00"
    assert opening["day"] == dt.date(2026, 3, 24)
    assert opening["timezone"] == "Europe/Amsterdam"
    assert opening["format"] == "keynote" and opening["title"] == "Welcome + Opening Remarks"
    assert opening["event"] == "keynote-sessions" and opening["kind"] == "track"
    assert opening["room"] == "Hall 12"  # "Hall 12\, Amsterdam\, Netherlands" less the venue
    assert opening["url"] == "http://kccnceu2026.sched.com/event/6d33234981cf5b14145b63b75fa9e0c0"
    # the evening party's description says "from 17:30"; the file says 16:30Z
    party = talk_by_source(store, "eeaae12243404a42a154f093a7d48a10")
    assert "from 17:30 - 19:00" in party["summary"]
    assert party["starts_at"].astimezone(AMSTERDAM).strftime("%H:%M") == "17:30"


def test_sample_descriptions_are_unescaped_text(store):
    run(store, sample(SCHED))
    merge = talk_by_source(store, "5c95613591172b5cf419bb047a17b229")
    assert "Merge Forward team" in merge["summary"]  # "Merge Forward&nbsp\;team" in the file
    assert "&nbsp" not in merge["summary"] and "\\," not in merge["summary"]
    assert (
        "(Women in Cloud Native, Neurodiversity, Friends of Dorothy, and more)"
        in (merge["summary"])
    )


def test_reimporting_the_sample_changes_nothing(store):
    run(store, sample(SCHED))
    again = assert_unchanged_reimport(store, SCHED)
    assert again.report.unchanged == 158


def _block(text: str, uid: str) -> str:
    (block,) = [b for b in vevents(text) if field(b, "UID") == uid]
    return block


@pytest.mark.slow
def test_a_newer_export_with_one_talk_moved_renamed_removed_and_added(store, tmp_path):
    text = sample(SCHED).read_text(encoding="utf-8")
    run(store, SCHED)
    unfolded = re.sub(r"\r?\n[ \t]", "", text)

    moved_uid, renamed_uid, removed_uid = (
        "f0cc491a7a88203a134adae055ea0318",  # Helm 4: 11:00Z -> 13:00Z
        "a100f382f331c59d59f1046a91411d71",  # Breaking the Monolith: retitled
        "70cb0974be7628d34a5ba7160e2fe922",  # LLM Inference at Scale: withdrawn
    )
    moved = _block(unfolded, moved_uid)
    unfolded = unfolded.replace(
        moved,
        moved.replace("DTSTART:20260324T110000Z", "DTSTART:20260324T130000Z").replace(
            "DTEND:20260324T113000Z", "DTEND:20260324T133000Z"
        ),
    )
    renamed = _block(unfolded, renamed_uid)
    unfolded = unfolded.replace(
        renamed,
        renamed.replace("SUMMARY:Breaking the Monolith:", "SUMMARY:Splitting the Monolith:"),
    )
    unfolded = unfolded.replace(_block(unfolded, removed_uid) + "\n", "")
    new_event = "\n".join(
        [
            "BEGIN:VEVENT",
            "DTSTART:20260324T170000Z",
            "DTEND:20260324T173000Z",
            "SUMMARY:Platforms for Marsupials - Ada Wombatson\\, Pouch Labs",
            "CATEGORIES:PLATFORM ENGINEERING",
            "LOCATION:Hall 7 | Room C\\, Amsterdam\\, Netherlands",
            "UID:new-talk-0001",
            "URL:http://kccnceu2026.sched.com/event/new-talk-0001",
            "END:VEVENT",
        ]
    )
    unfolded = unfolded.replace("END:VCALENDAR", new_event + "\nEND:VCALENDAR")
    newer = tmp_path / "kccnceu2026-newer.ics"
    newer.write_text(unfolded, encoding="utf-8")

    result = run(store, newer)
    report = result.report
    assert report.added == ["Platforms for Marsupials"]
    assert sorted(report.changed) == sorted(
        [
            "Helm 4 Is Here. So, Now What?",
            "Splitting the Monolith: Decomposing and Governing Giant LLM Jobs Across Clusters",
        ]
    )
    assert report.removed == ["LLM Inference at Scale: Orchestrating Prefill-Decode Disaggregation"]
    assert report.unchanged == 158 - 3
    by_event = {c.slug: c for c in result.events}
    assert set(by_event) == {"platform-engineering", "maintainer-track", "ai-ml"}
    assert by_event["platform-engineering"].added == ["Platforms for Marsupials"]
    assert by_event["platform-engineering"].removed == [report.removed[0]]
    assert by_event["maintainer-track"].changed == ["Helm 4 Is Here. So, Now What?"]
    helm = talk_by_source(store, moved_uid)
    assert helm["starts_at"] == dt.datetime(2026, 3, 24, 13, 0, tzinfo=dt.UTC)
    assert talk_by_source(store, "new-talk-0001")["people"] == [("Ada Wombatson", "Pouch Labs")]
    assert stored_talks(store, "kccnceu2026") == 158
    assert_unchanged_reimport(store, newer)


# --- the hand-made file: CRLF, folded lines, escapes, entities, a talk past midnight ---


def test_the_small_file(store):
    result = run(store, SMALL)
    (parsed,) = result.files
    catalog = parsed.catalog
    assert catalog.conference.slug == "democon26"
    assert catalog.conference.name == "DemoCon Europe 2026"
    assert catalog.conference.timezone == "Europe/Berlin"  # from "..., Berlin, Germany"
    assert sorted(parsed.skipped) == ["Badge Pick-Up", "Lunch 🍲"]
    assert [t.source_id for t in catalog.talks] == [
        "demo-keynote",
        "demo-paved",
        "demo-golden",
        "demo-panel",
        "demo-late",
    ]
    events = {e.slug: (e.name, e.kind) for e in catalog.events}
    assert events == {
        "keynote-sessions": ("KEYNOTE SESSIONS", "track"),
        # "🛠️ PLATFORM ENGINEERING": the emoji dropped, the name as the organisers spell it
        "platform-engineering": ("PLATFORM ENGINEERING", "track"),
        "democon26": ("DemoCon Europe 2026", "main"),  # the entry without a category
    }

    keynote = talk_by_source(store, "demo-keynote")
    assert keynote["title"] == "Opening Remarks" and keynote["format"] == "keynote"
    assert keynote["people"] == [("Ada Lovelace", "Engine Works"), ("Grace Hopper", "US Navy")]
    assert keynote["summary"] == "Welcome to DemoCon! We start on time. Bring coffee."

    paved = talk_by_source(store, "demo-paved")  # folded across "Bo" / "b Jones"
    assert paved["title"] == "Paved Roads, Not Walls: A Platform Story"
    assert paved["people"] == [
        ("Ana Silva", "Example Corp"),
        ("Bob Jones", "Acme"),
        ("Chen Wei", "Widgets Co., Ltd"),
    ]
    golden = talk_by_source(store, "demo-golden")
    assert golden["title"] == "Golden Paths - Why Defaults Beat Documentation"
    assert golden["people"] == []
    panel = talk_by_source(store, "demo-panel")
    assert panel["title"] == "Who Owns the Platform?" and panel["format"] == "panel"
    assert panel["people"] == [
        ("Dana Scully", "X Files Unit"),
        ("Fox Mulder", "X Files Unit"),
        ("Walter Skinner", "FBI"),
    ]
    # 23:30Z on the 17th is 00:30 on the 18th in Berlin: the day is the local one
    late = talk_by_source(store, "demo-late")
    assert late["starts_at"] == dt.datetime(2026, 3, 17, 23, 30, tzinfo=dt.UTC)
    assert late["day"] == dt.date(2026, 3, 18)
    assert catalog.conference.ends == dt.date(2026, 3, 18)
    assert late["event"] == "democon26"
    assert_unchanged_reimport(store, SMALL)


def test_timezone_and_event_options_override_the_file(store):
    result = run(store, SMALL, conference="democon-eu-2026", timezone="America/New_York")
    conference = result.files[0].catalog.conference
    assert conference.slug == "democon-eu-2026"
    assert conference.timezone == "America/New_York"
    late = talk_by_source(store, "demo-late")
    assert late["day"] == dt.date(2026, 3, 17)  # 19:30 in New York
    assert stored_talks(store, "democon-eu-2026") == 5
    assert stored_talks(store, "democon26") == 0


def test_a_named_calendar_zone_wins_over_the_city(tmp_path):
    text = SMALL.read_bytes().replace(b"X-WR-TIMEZONE:UTC", b"X-WR-TIMEZONE:Europe/Lisbon")
    path = tmp_path / "lisbon.ics"
    path.write_bytes(text)
    parsed = detect.load(path)
    assert parsed.catalog.conference.timezone == "Europe/Lisbon"
    assert "X-WR-TIMEZONE" in " ".join(parsed.notes)


def test_no_calendar_name_takes_the_file_name_and_says_so(tmp_path):
    text = SMALL.read_bytes().replace(b"X-WR-CALNAME:democon26\r\n", b"")
    path = tmp_path / "sched-democon-berlin-2026-2026-03-17.ics"
    path.write_bytes(text)
    parsed = detect.load(path)
    assert parsed.catalog.conference.slug == "democon-berlin-2026"
    assert any("file name" in n and "--event" in n for n in parsed.notes)
    assert detect.load(path, Options(conference="dc26")).catalog.conference.slug == "dc26"
