"""Who spoke at each Sched entry, read from its summary: the real export against a table read
off the file by hand, and the grammar case by case."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.importers.people import Known, split_summary
from bot.importers.records import SpeakerRecord
from tests.importers.support import (
    FIXTURES,
    SCHED,
    field,
    run,
    sample,
    talk_by_source,
    vevents,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SMALL = FIXTURES / "sched-small.ics"


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


@pytest.mark.slow
def test_speakers_and_companies_are_split_as_the_summary_says(store):
    run(store, sample(SCHED))
    for uid, people in SPEAKERS.items():
        talk = talk_by_source(store, uid)
        assert talk["people"] == people, (uid, talk["title"])
    for uid, title in TITLES.items():
        assert talk_by_source(store, uid)["title"] == title
    assert talk_by_source(store, "ff69618a8b4feff93b23fe299bac3a16")["format"] == "workshop"


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


# --- shapes the real exports have that the grammar once misread (a hand-made file) ---

SHAPES = FIXTURES / "sched-speaker-shapes.ics"
SHAPE_PEOPLE = {
    # "Title - Ada Lovelace & Alan Turing": a list without commas
    "shape-no-commas": ("Quantum Schedulers", [("Ada Lovelace", None), ("Alan Turing", None)]),
    # a job title going on after "&" is nobody's name
    "shape-role-and": ("Engines of Thought", [("Ada Lovelace", "Analytical Engines")]),
    "shape-founder-ceo": (
        "Startups in Orbit",
        [("Grace Hopper", "Cobol Works"), ("Alan Turing", "Bletchley Labs")],
    ),
    # "Senior Engineer - Compilers": the dash inside a job title is not the speakers' dash
    "shape-dash-in-role": ("Faster Builds", [("Ada Lovelace", "Acme")]),
    # "... & Kubernetes Specialist, ...": a segment that starts with a job is not a person
    "shape-role-segment": ("Operators Unbound", [("Edsger Dijkstra", "Eindhoven Systems")]),
    # Name, Company, Name, Company, ...: everyone kept, each with their own company
    "shape-long-run": (
        "Four Clouds One Mesh",
        [
            ("Ada Lovelace", "Acme"),
            ("Alan Turing", "Initech"),
            ("Grace Hopper", "Deutsche Telekom"),  # a company that looks like a name
            ("Edsger Dijkstra", "Globex"),
        ],
    ),
    # a dash with a space on one side only
    "shape-dash-left": ("Security Awareness", [("Barbara Liskov", "Acme")]),
    "shape-dash-right": ("Are You Ready?", [("Barbara Liskov", "Acme")]),
    # a job title is not a company
    "shape-role-not-company": ("Models That Learn", [("Frances Allen", None)]),
    "shape-reviewer": ("Reviewing Papers", [("Frances Allen", None)]),
    "shape-community-role": ("Gitops For All Sizes", [("Grace Hopper", None)]),
    # scripts without capitals
    "shape-hebrew": ("Right to Left", [("עדה לאבלייס", "אקמה")]),
    "shape-arabic": ("Scripts of the World", [("محمد الخوارزمي", "بيت الحكمة")]),
    "shape-cjk": ("Clusters in Asia", [("王小明", "阿里巴巴"), ("李华", "阿里巴巴")]),
}


def test_every_shape_of_speaker_list_is_read(store):
    result = run(store, SHAPES)
    for uid, (title, people) in SHAPE_PEOPLE.items():
        talk = talk_by_source(store, uid)
        assert (talk["title"], talk["people"]) == (title, people), uid
    assert len(result.report.added) == len(SHAPE_PEOPLE) + 3  # and three talks of other shapes


def test_expo_hours_booth_lists_umbrellas_and_empty_demo_slots_are_not_talks(store):
    result = run(store, SHAPES)
    (parsed,) = result.files
    assert sorted(parsed.skipped) == [
        "Gold Sponsor In-Booth Demos",  # its description lists booths
        "KeyCon Hosted by CNCF - Half-Day Event | ALL ACCESS PASS REQUIRED",  # the event itself
        "Keynote: To Be Announced",  # a slot, nobody named yet
        "Mesh Gathering Hosted by Acme | SEPARATE REGISTRATION REQUIRED",  # hours, co-located
        "Platform Engineering Day",  # a whole day, over the talks of its own category
        "Project Demo",  # no speaker, no description
        "Solutions Showcase",  # the expo's hours
    ]
    # the co-located event's own talks are kept; a project lightning talk is a lightning talk
    assert talk_by_source(store, "umbrella-talk-1")["people"] == [("Ada Lovelace", "Acme")]
    lightning = talk_by_source(store, "project-lightning")
    assert (lightning["title"], lightning["format"]) == ("Tiny Schedulers", "lightning")


@pytest.mark.parametrize(
    ("summary", "title"),
    [
        ("Rock - Paper & Scissors", "Rock - Paper & Scissors"),
        ("Dev - Ops & Cloud Native", "Dev - Ops & Cloud Native"),
        ("Pre- and Post-Quantum, Done Right", "Pre- and Post-Quantum, Done Right"),
        ("Talk - Core Maintainer, Acme", "Talk - Core Maintainer, Acme"),
    ],
)
def test_titles_that_only_look_like_speaker_lists_stay_titles(summary, title):
    assert split_summary(summary, Known()) == (title, [])


def test_a_lone_name_is_a_speaker_only_when_the_file_names_that_person_elsewhere():
    known = Known()
    known.learn("Ada Lovelace, Analytical Engines")
    assert split_summary("Notes on Engines - Ada Lovelace", known) == (
        "Notes on Engines",
        [SpeakerRecord("Ada Lovelace")],
    )
    assert split_summary("Notes on Engines - Alan Turing", known) == (
        "Notes on Engines - Alan Turing",
        [],
    )
