"""Sessionize "All data" JSON: the real Global Azure Austria 2024 export, and a small file."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from bot.importers.sessionize_json import company_of
from tests.importers.support import (
    FIXTURES,
    SESSIONIZE,
    assert_unchanged_reimport,
    run,
    sample,
    stored_talks,
    talk_by_source,
)

SMALL = FIXTURES / "sessionize-democloud-vienna-2025.json"

# Each speaker's tagLine in the sample, read by hand: the company it names, if it names one.
COMPANIES = {
    "Ed Burns": "Microsoft",  # "Principal Architect on the ... team at Microsoft"
    "Sandra Ahlgrimm": "Microsoft",  # "Cloud Advocate working for Java Developers at Microsoft"
    "Katharina Sick": "Dynatrace",  # "Software Engineer at Dynatrace"
    "Franz Theisen": "Red Hat",  # "Manager OpenShift Specialists Central Europe at Red Hat"
    "Patrick Koch": "AVL List GmbH",  # "Cloud Adoption Engineer & Cloud Evangelist at AVL ..."
    "Julia Zukrigl": "DATA story LAB",  # "Head Trainer @ DATA story LAB"
    "Mario Schnalzenberger": "cubido business solutions GmbH",  # "Data Scientist, cubido ..."
    "Hannes Lagler-Gruener": "ACP IT Solutions GMBH",  # "MVP | ACP IT Solutions GMBH, Lead ..."
    "Michael Mittermayr": "Zühlke Group",  # "Principal Software Architect, Zühlke Group"
    "Tobias Berei": "softaware gmbh",  # "Software Architekt, softaware gmbh"
    "Stefan Baumgartner": "Dynatrace",  # "Dynatrace"
    "Rainer Stropek": None,  # "software architects": a job, not a company we can tell
    "Martina Grom": None,  # "CEO atwork, MVP Azure and Microsoft 365, Microsoft RD"
    "Toni Pohl": None,  # "CTO atwork, Microsoft MVP"
    "Verena Gottwald": None,  # "Founder & Social Media Enthusiast"
    "Alex Kornfellner": None,  # "Lehrer für ... an der HTL Leonding" (German)
}


def test_the_sample_imports_every_session(store):
    data = json.loads(sample(SESSIONIZE).read_bytes())
    talks = [s for s in data["sessions"] if not s["isServiceSession"]]
    assert len(data["sessions"]) == len(talks) == 15
    assert b"\r\n" in SESSIONIZE.read_bytes()  # CRLF, as Sessionize writes it

    result = run(store, SESSIONIZE)
    (parsed,) = result.files
    assert parsed.format == "sessionize-json"
    assert len(result.report.added) == 15
    # no name inside the file: the conference is named after the file, and the notes say so
    assert parsed.catalog.conference.slug == "global-azure-austria-2024"
    assert any("file name" in n and "--event" in n for n in parsed.notes)
    assert stored_talks(store, "global-azure-austria-2024") == 15
    # no categories: one main event
    assert [(e.slug, e.kind) for e in parsed.catalog.events] == [
        ("global-azure-austria-2024", "main")
    ]


def test_sample_speakers_and_their_companies(store):
    data = json.loads(sample(SESSIONIZE).read_bytes())
    assert {s["fullName"] for s in data["speakers"]} == set(COMPANIES)
    run(store, SESSIONIZE)
    names = {s["id"]: s["fullName"] for s in data["speakers"]}
    for session in data["sessions"]:
        people = talk_by_source(store, session["id"])["people"]
        wanted = [(names[i], COMPANIES[names[i]]) for i in session["speakers"]]
        assert people == wanted, session["title"]


def test_sample_times_are_local_in_the_given_zone(store):
    run(store, sample(SESSIONIZE), timezone="Europe/Vienna")
    keynote = talk_by_source(store, "658419")  # "startsAt": "2024-04-20T09:00:00"
    assert keynote["title"] == "Pioneering the Future of Java with Intelligent Apps"
    assert keynote["format"] == "keynote"
    assert keynote["starts_at"] == dt.datetime(2024, 4, 20, 7, 0, tzinfo=dt.UTC)  # CEST
    assert keynote["ends_at"] == dt.datetime(2024, 4, 20, 7, 45, tzinfo=dt.UTC)
    assert keynote["day"] == dt.date(2024, 4, 20)
    assert keynote["room"] == "Aula"
    assert keynote["timezone"] == "Europe/Vienna"


def test_sample_without_a_zone_reads_utc_and_says_so(store):
    result = run(store, sample(SESSIONIZE), conference="global-azure-at-2024")
    assert any("--timezone" in n for n in result.files[0].notes)
    keynote = talk_by_source(store, "658419")
    assert keynote["starts_at"] == dt.datetime(2024, 4, 20, 9, 0, tzinfo=dt.UTC)
    assert stored_talks(store, "global-azure-at-2024") == 15


def test_reimporting_the_sample_changes_nothing(store):
    run(store, sample(SESSIONIZE), timezone="Europe/Vienna")
    again = assert_unchanged_reimport(store, SESSIONIZE, timezone="Europe/Vienna")
    assert again.report.unchanged == 15


def test_a_newer_export_changes_exactly_four_talks(store, tmp_path):
    data = json.loads(sample(SESSIONIZE).read_bytes())
    run(store, SESSIONIZE)
    newer = copy.deepcopy(data)
    sessions = newer["sessions"]
    moved, renamed, removed = sessions[1], sessions[2], sessions[3]
    moved["startsAt"], moved["endsAt"] = "2024-04-20T16:00:00", "2024-04-20T16:45:00"
    renamed["title"] = "Renamed Session"
    sessions.remove(removed)
    sessions.append({**copy.deepcopy(sessions[0]), "id": "999999", "title": "A Brand-New Talk"})
    path = tmp_path / "global-azure-austria-2024.json"  # same file name, same conference
    path.write_text(json.dumps(newer), encoding="utf-8")

    report = run(store, path).report
    assert report.added == ["A Brand-New Talk"]
    assert sorted(report.changed) == sorted([moved["title"], "Renamed Session"])
    assert report.removed == [removed["title"]]
    assert report.unchanged == 15 - 3
    assert_unchanged_reimport(store, path)


# --- the hand-made file: tracks, formats and a service session ---


def test_the_small_file(store):
    result = run(store, SMALL, timezone="Europe/Vienna")
    (parsed,) = result.files
    assert parsed.skipped == ["Lunch"]  # isServiceSession
    assert parsed.catalog.conference.slug == "democloud-vienna-2025"
    assert [(e.slug, e.name, e.kind) for e in parsed.catalog.events] == [
        ("platform-engineering", "Platform Engineering", "track"),
        ("security", "Security", "track"),
        ("democloud-vienna-2025", "Democloud Vienna 2025", "main"),
    ]
    keynote = talk_by_source(store, "900001")
    assert keynote["title"] == "The Paved Road Ahead" and keynote["format"] == "keynote"
    assert keynote["people"] == [("Ines Huber", "Raiffeisen Digital"), ("Tom Berger", None)]
    assert keynote["summary"] == "Opening keynote. Two speakers."
    assert keynote["starts_at"] == dt.datetime(2025, 9, 18, 7, 0, tzinfo=dt.UTC)
    workshop = talk_by_source(store, "900003")
    assert workshop["format"] == "workshop" and workshop["room"] == "Room 2.01"
    assert workshop["people"] == [("Zoë Kraus", "Wombat Systems GmbH")]
    lightning = talk_by_source(store, "900004")
    assert (lightning["format"], lightning["event"]) == ("lightning", "security")
    assert talk_by_source(store, "900005")["event"] == "democloud-vienna-2025"
    assert_unchanged_reimport(store, SMALL, timezone="Europe/Vienna")


@pytest.mark.parametrize(
    ("tag_line", "company"),
    [
        ("Software Engineer at Dynatrace", "Dynatrace"),
        ("SRE @ Wombat Works", "Wombat Works"),
        ("Architect, Example GmbH", "Example GmbH"),
        ("Acme", "Acme"),
        ("Developer Advocate", None),
        ("Speaker, author, trainer", None),
        ("", None),
        (None, None),
    ],
)
def test_company_of_a_tag_line(tag_line, company):
    assert company_of(tag_line) == company
