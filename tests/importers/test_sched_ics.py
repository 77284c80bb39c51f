"""Sched iCalendar: the real KubeCon EU 2026 day export, and a small hand-made file.

Counts and expectations are taken from the files themselves, by regular expressions and by
reading them, not from the importer.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from bot.importers import detect
from bot.importers.records import Options, SpeakerRecord
from bot.importers.sched_ics import Known, split_summary
from tests.importers.support import (
    FIXTURES,
    SCHED,
    assert_unchanged_reimport,
    run,
    sample,
    stored_talks,
    talk_by_source,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SMALL = FIXTURES / "sched-small.ics"


def vevents(text: str) -> list[str]:
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    return re.findall(r"^BEGIN:VEVENT\r?$.*?^END:VEVENT\r?$", unfolded, re.M | re.S)


def field(event: str, name: str) -> str:
    m = re.search(rf"^{name}(?:;[^:]*)?:(.*?)\r?$", event, re.M)
    return m.group(1) if m else ""


# --- the real export ---


def test_the_sample_imports_every_talk_and_skips_only_logistics(store):
    text = sample(SCHED).read_text(encoding="utf-8")
    entries = vevents(text)
    assert len(entries) == text.count("BEGIN:VEVENT") == 179
    # the non-talks, found independently: registration and break categories, no " - " speakers
    logistics = [e for e in entries if field(e, "CATEGORIES") in ("REGISTRATION", "BREAKS")]
    assert all(" - " not in field(e, "SUMMARY") for e in logistics)
    assert len(logistics) == 7
    expected = len(entries) - len(logistics)

    result = run(store, SCHED)
    (parsed,) = result.files
    assert len(parsed.catalog.talks) == expected == 172
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


# Read off the file by hand: UID -> the SUMMARY's title and its people, in order.
SPEAKERS = {
    # Keynote: ... - Jonathan Bryce\, Executive Director\, Cloud and Infrastructure\, Linux
    # Foundation & Chris Aniszczyk\, CTO\, Cloud and Infrastructure\, Linux Foundation
    "6d33234981cf5b14145b63b75fa9e0c0": [
        ("Jonathan Bryce", "Linux Foundation"),
        ("Chris Aniszczyk", "Linux Foundation"),
    ],
    "d12556725da7816d8422a553dc44e27e": [
        ("Jesse Butler", "Amazon Elastic Kubernetes Service (EKS)")
    ],
    "9de183c913a1a16f8f8fb9efbe83a039": [("Erin A. Boyd", "NVIDIA")],
    "55bd23423789cd1d328edf6bb67f770d": [
        ("Jonathan Bryce", "CNCF"),
        ("Brian Stevens", "Red Hat"),
        ("Mark Collier", "PyTorch Foundation"),
        ("Lin Sun", "Solo.io"),
    ],
    # "... - Powered by Nature\, Data\, and Open Science - Ricardo Rocha\, Lead Platforms
    # Infrastructure\, CERN & Klaus Ohlmann\, Founder\, Mountain-Wave-Project"
    "24d5aad35c9ec75d9eb2abcc7a3638fd": [
        ("Ricardo Rocha", "CERN"),
        ("Klaus Ohlmann", "Mountain-Wave-Project"),
    ],
    "7894a8a1796a190531bbdbe9379d681a": [
        ("Luc Chmielowski", "Nirmata"),
        ("Nina Polshakova", "Solo.io"),
    ],
    "90de8b6bc1b399b4e26695f426537759": [
        ("Mariusz Sabath", "IBM Research"),
        ("Maia Iyer", "IBM Research"),
    ],
    "1e73d8927ae16ce79cb6c7acd766edaf": [
        ("Nick Young", "Isovalent at Cisco"),
        ("James Strong", "Isovalent at Cisco"),
        ("Katarzyna Łach", "Google"),
        ("Rostislav Bobrovsky", "Google"),
        ("Norwin Schnyder", "Airlock"),
    ],
    "f0f84fd83ad08f2389e530b483d51717": [
        ("Florian Hopfensperger", "Allianz Technology"),
        ("Yury Tsarev", "Upbound"),
    ],
    # "Joseph Marrero Corchado\, Laura Santamaria\, Preethi Thomas\, Alice Frosi & Colin
    # Walters\, Red Hat": five people, one company
    "3e43b37db6ce7c4e491a88786c980f82": [
        ("Joseph Marrero Corchado", "Red Hat"),
        ("Laura Santamaria", "Red Hat"),
        ("Preethi Thomas", "Red Hat"),
        ("Alice Frosi", "Red Hat"),
        ("Colin Walters", "Red Hat"),
    ],
    "7fece19dd0709e9e0ddb70c1f2f8a5f5": [
        ("Stephen Kitt", "Red Hat"),
        ("Julien D.", "Lausanne University Hospital"),
    ],
    "a100f382f331c59d59f1046a91411d71": [("Kevin Wang", "Huawei")],
    "f0cc491a7a88203a134adae055ea0318": [
        ("Andrew Block", "Red Hat"),
        ("Scott Rigby", "Replicated"),
        ("Robert Sirchia", "SUSE"),
    ],
    "9d430e536a950c1b8a2427d2fc4d1b75": [("Michael Reichenbach", "1KOMMA5°")],
    "98b51485b7fabc81ec49d1d0f97ed4af": [("Max Körbächer", "Liquid Reply")],
    # "Michael Forrester and Mumshad Mannambeth\, KodeKloud"
    "949a59e8cbd36711db0202ba4536bad7": [
        ("Michael Forrester", "KodeKloud"),
        ("Mumshad Mannambeth", "KodeKloud"),
    ],
    "7d834c7a1d2fd8302ab2271061a478fd": [
        ("Cansu Kavili Örnek", "RedHat"),
        ("Anneli Sara Banderby", "RedHat"),
    ],
    "2e425afeeb30d6bbee4bcf870ae3ab33": [
        ("Michael Kuhnt", "Mercedes-Benz Tech Innovation"),
        ("Gabriel Adrian Samfira", "Cloudbase Solutions"),
    ],
    "d8e2c30ec726325dc823706f6017f562": [
        ("Arnaud Meukam", "Indpendent"),
        ("Janet Kuo", "Google"),
        ("Justin Santa Barbara", "Google"),
        ("Ciprian Hacman", "Microsoft"),
    ],
    # "Hongcai Ren\, Huawei; Tessa Pham\, Michas Szacillo & Wei-Cheng Lai\, Bloomberg;
    # Zongqing Li\, Trip.com"
    "99d153205c0e62bab2f27fe9ee0f80ba": [
        ("Hongcai Ren", "Huawei"),
        ("Tessa Pham", "Bloomberg"),
        ("Michas Szacillo", "Bloomberg"),
        ("Wei-Cheng Lai", "Bloomberg"),
        ("Zongqing Li", "Trip.com"),
    ],
    "0ddc2b658ad94c2855822141bcd38848": [
        ("Adele Karam Hankache", "Thales Alenia Space"),
        ("Sergiu Weisz", "POLITEHNICA Bucharest"),
    ],
    # "Jackie Maertens\, Microsoft and Nili Guy\, IBM"
    "e8563596b87b72419720a62e0a3bd2a0": [("Jackie Maertens", "Microsoft"), ("Nili Guy", "IBM")],
    # "Lin Sun\, Peter Jausovec & Eitan Yarmush\, Solo.io & Dmytriy Rashko\, Amdocs"
    "2e2b77213a6fe42b3efe00420bd84e75": [
        ("Lin Sun", "Solo.io"),
        ("Peter Jausovec", "Solo.io"),
        ("Eitan Yarmush", "Solo.io"),
        ("Dmytriy Rashko", "Amdocs"),
    ],
    "1b6c898a4d4631932a8746f83b8b3d16": [
        ("Nina Polshakova", "Solo.io"),
        ("Mayowa Fajobi", "Marsh McLennan"),
        ("David Jumani", "Solo.io"),
        ("Steven Thwaites", "Solo.io"),
    ],
    "f29ff04f96d3f7d2bca6d55a6cb22468": [
        ("Maciek Różacki", "Google Cloud"),
        ("Artur Rodrigues", "Anthropic"),
    ],
    "31fd0922eff40b9e27e112abc1108b80": [("Verena Traub", "b'nerd GmbH")],
    "bc67f48bcc70022bf54a12b9f9526dfe": [
        ("Alfonso Ming", "SCRM Lidl International Hub"),
        ("Jorge Turrado", "SCRM Lidl International Hub"),
    ],
    "bc222eec7a6b3d96db465d29539889b6": [
        ("Marly Salazar", "Integral Ad Science"),
        ("Yugo Kobayashi", "SB Intuitions"),
        ("Eddie Zaneski", "Defense Unicorns"),
        ("Maciej Szulik", "Defense Unicorns"),
        ("Arda Guclu", "Red Hat"),
    ],
    # "Zhonghu Xu\, Huawei Technologies Co.\, Ltd": the comma belongs to the company
    "70cb0974be7628d34a5ba7160e2fe922": [("Zhonghu Xu", "Huawei Technologies Co., Ltd")],
    "ff69618a8b4feff93b23fe299bac3a16": [
        ("Constanze Roedig", "fusioncore.ai"),
        ("Markus Gierlinger", "Independent"),
        ("Teodor Janez Podobnik", "Prewave GmbH"),
    ],
    # "Haiyan Meng & Bowei Du & Kellen Swain\, Google"
    "0fc5702bcdbbf43b906ef67d62b04cb7": [
        ("David Martin", "Red Hat"),
        ("Haiyan Meng", "Google"),
        ("Bowei Du", "Google"),
        ("Kellen Swain", "Google"),
        ("Nadia Pinaeva", "NVIDIA"),
    ],
    # no speakers: " - " inside the title, or none at all; the whole SUMMARY is the title
    "ecf2f1c562a74b365f32247d7a374a21": [],
    "56061ce6a26e5f59dc0cb89877a8cab7": [],
}

TITLES = {
    "24d5aad35c9ec75d9eb2abcc7a3638fd": "Riding the Waves: Around the World in an Electric "
    "Glider - Powered by Nature, Data, and Open Science",
    "98b51485b7fabc81ec49d1d0f97ed4af": "Cloud Native Theater | Cloud Native University: "
    "Platform Engineering - About Tools, Techniques, People and Culture",
    "ecf2f1c562a74b365f32247d7a374a21": "Sponsored Demo: CSI WON’T SAVE YOU - Why “CSI Support” "
    "is not a storage strategy and you are being setup to fail",
    "56061ce6a26e5f59dc0cb89877a8cab7": "Project Pavilion Tour wtih Atulpriya Sharma, "
    "CNCF Ambassador",
    "ff69618a8b4feff93b23fe299bac3a16": "Attack Defense: Leverage eBPF To Reveal Attack Flows "
    "With Rich Context",  # "📚 Tutorial: " is its format
    "f0cc491a7a88203a134adae055ea0318": "Helm 4 Is Here. So, Now What?",
}


def test_the_table_is_hand_checked_against_the_file():
    """Every name and company in the table is in that entry's SUMMARY, in that order."""
    text = sample(SCHED).read_text(encoding="utf-8")
    by_uid = {
        # "Peter\xa0Jausovec": the file has a few no-break spaces inside names
        field(e, "UID"): field(e, "SUMMARY").replace("\\,", ",").replace("\xa0", " ")
        for e in vevents(text)
    }
    assert sum(len(people) for people in SPEAKERS.values()) >= 60
    assert len(SPEAKERS) >= 20
    for uid, people in SPEAKERS.items():
        summary = by_uid[uid]
        at = 0
        for name, company in people:
            at = summary.index(name, at)
            assert summary.index(company, at) > at
        if not people:
            assert uid in TITLES


def test_speakers_and_companies_are_split_as_the_summary_says(store):
    run(store, sample(SCHED))
    for uid, people in SPEAKERS.items():
        talk = talk_by_source(store, uid)
        assert talk["people"] == people, (uid, talk["title"])
    for uid, title in TITLES.items():
        assert talk_by_source(store, uid)["title"] == title
    assert talk_by_source(store, "ff69618a8b4feff93b23fe299bac3a16")["format"] == "workshop"


def test_reimporting_the_sample_changes_nothing(store):
    run(store, sample(SCHED))
    again = assert_unchanged_reimport(store, SCHED)
    assert again.report.unchanged == 172


def _block(text: str, uid: str) -> str:
    (block,) = [b for b in vevents(text) if field(b, "UID") == uid]
    return block


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
    assert report.unchanged == 172 - 3
    by_event = {c.slug: c for c in result.events}
    assert set(by_event) == {"platform-engineering", "maintainer-track", "ai-ml"}
    assert by_event["platform-engineering"].added == ["Platforms for Marsupials"]
    assert by_event["platform-engineering"].removed == [report.removed[0]]
    assert by_event["maintainer-track"].changed == ["Helm 4 Is Here. So, Now What?"]
    helm = talk_by_source(store, moved_uid)
    assert helm["starts_at"] == dt.datetime(2026, 3, 24, 13, 0, tzinfo=dt.UTC)
    assert talk_by_source(store, "new-talk-0001")["people"] == [("Ada Wombatson", "Pouch Labs")]
    assert stored_talks(store, "kccnceu2026") == 172
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


# --- the summary grammar, case by case ---


@pytest.mark.parametrize(
    ("summary", "title", "people"),
    [
        ("Talk - Ann Lee, Acme", "Talk", [("Ann Lee", "Acme")]),
        ("A - B - Ann Lee, Acme", "A - B", [("Ann Lee", "Acme")]),
        ("Talk - Ann Lee & Bo Yang, Acme", "Talk", [("Ann Lee", "Acme"), ("Bo Yang", "Acme")]),
        (
            "Talk - Ann Lee, Acme & Bo Yang, Initech",
            "Talk",
            [("Ann Lee", "Acme"), ("Bo Yang", "Initech")],
        ),
        (
            "Talk - Ann Lee, Bo Yang & Cy Twombly, Acme",
            "Talk",
            [("Ann Lee", "Acme"), ("Bo Yang", "Acme"), ("Cy Twombly", "Acme")],
        ),
        (
            "Talk - Ann Lee, Staff Engineer, Acme; Bo Yang, CTO, Initech",
            "Talk",
            [("Ann Lee", "Acme"), ("Bo Yang", "Initech")],
        ),
        ("Talk - Ann Lee", "Talk - Ann Lee", []),  # no comma: part of the title
        ("Why - Things, Stuff and More", "Why - Things, Stuff and More", []),
        ("Talk - the team, and friends", "Talk - the team, and friends", []),
        ("Zhu - Ann Lee, Widgets Co., Ltd", "Zhu", [("Ann Lee", "Widgets Co., Ltd")]),
    ],
)
def test_summary_grammar(summary, title, people):
    got_title, got_people = split_summary(summary, Known())
    assert got_title == title
    assert got_people == [SpeakerRecord(n, c) for n, c in people]
