"""Speaker and company filters: one person's or one company's talks, found by word prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bootstrap import import_file
from bot.store import Store
from bot.talks.catalog_index import CatalogCache
from bot.talks.directory import NameIndex
from bot.talks.service import answer_speakers, answer_talks
from bot.talks.suggest import closest_name
from tests.conftest import NOW

CATALOG = """
conference:
  slug: democon
  name: DemoCon 2024
  timezone: Europe/Paris
  starts: 2024-03-19
  ends: 2024-03-20
  day_one: 2024-03-19
events:
  - slug: main
    name: Main track
    kind: main
talks:
  - id: t1
    title: Paved roads at scale
    event: main
    date: 2024-03-19
    format: talk
    speakers:
      - {name: Abby Smith, company: Acme Labs}
      - {name: Jo Bangser, company: Zenith Cloud}
    summary: Two people, neither of them Abby Bangser.
  - id: t2
    title: Golden paths in practice
    event: main
    date: 2024-03-20
    format: talk
    speakers:
      - {name: Abby Bangser, company: Syntasso}
    summary: The one talk by Abby Bangser.
  - id: t3
    title: Tenancy for everyone
    event: main
    date: 2024-03-20
    format: panel
    speakers:
      - {name: Max Acme, company: Globex}
    summary: A speaker whose name, not company, says Acme.
"""


@pytest.fixture
def demo(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "democon.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    import_file(store, path)
    return store


def talk_titles(store: Store, text: str) -> list[str]:
    with store.session() as session:
        answer = answer_talks(session, CatalogCache(), text, NOW)
    assert answer.kind == "results", (text, answer.kind)
    assert answer.meant is None
    assert answer.page is not None and answer.page.total == len(answer.page.rows)
    return [row.title for row in answer.page.rows]


def test_a_speaker_is_one_person_not_two_co_speakers(demo):
    assert talk_titles(demo, "speaker abby bangser") == ["Golden paths in practice"]
    assert talk_titles(demo, "speaker abby") == [
        "Paved roads at scale",
        "Golden paths in practice",
    ]
    assert talk_titles(demo, "speaker bang") == [
        "Paved roads at scale",
        "Golden paths in practice",
    ]


def test_company_filter_reads_companies_only(demo):
    assert talk_titles(demo, "company acme") == ["Paved roads at scale"]
    assert talk_titles(demo, "speaker acme") == ["Tenancy for everyone"]


def test_speaker_and_company_combine_on_the_same_talk(demo):
    assert talk_titles(demo, "speaker jo company acme") == ["Paved roads at scale"]
    assert talk_titles(demo, "speaker abby company syntasso") == ["Golden paths in practice"]


def test_speaker_filter_combines_with_schedule_filters(demo):
    with demo.session() as session:
        answer = answer_talks(session, CatalogCache(), "speaker abby panels", NOW)
    assert answer.kind == "none"
    assert talk_titles(demo, "speaker abby 2024-03-20") == ["Golden paths in practice"]
    assert talk_titles(demo, "paths speaker abby") == ["Golden paths in practice"]


def test_a_speaker_whose_talks_are_gone_is_not_found(demo, tmp_path: Path):
    with demo.session() as session:
        before = answer_speakers(session, CatalogCache(), "max acme")
    assert [c.name for c in before.cards] == ["Max Acme"]
    path = tmp_path / "democon.yaml"
    path.write_text(CATALOG.split("  - id: t3")[0], encoding="utf-8")
    report = import_file(demo, path)
    assert report.removed == ["Tenancy for everyone"]
    with demo.session() as session:
        after = answer_speakers(session, CatalogCache(), "max acme")
        talks = answer_talks(session, CatalogCache(), "speaker max acme", NOW)
    assert not any(c.name == "Max Acme" for c in after.cards)
    assert talks.page is None or all(r.title != "Tenancy for everyone" for r in talks.page.rows)


def test_speaker_cards_by_company_list_every_speaker_of_it(demo):
    with demo.session() as session:
        answer = answer_speakers(session, CatalogCache(), "acme")
    by_name = {c.name: c for c in answer.cards}
    assert sorted(by_name) == ["Abby Smith", "Max Acme"]
    assert by_name["Abby Smith"].companies == ["Acme Labs"]
    assert [t.title for t in by_name["Abby Smith"].talks] == ["Paved roads at scale"]


def test_name_index_matches_every_word_as_a_prefix_in_any_order():
    index = NameIndex({1: "Abby Bangser", 2: "Abby Smith", 3: "Edgaras Petovradžius"})
    assert index.find(["abby"]) == {1, 2}
    assert index.find(["bangser", "abby"]) == {1}
    assert index.find(["ab", "ba"]) == {1}
    assert index.find(["petovradzius"]) == {3}
    assert index.find(["bangserx"]) == set()
    assert index.find(["smith", "bangser"]) == set()
    assert index.written("edgaras petovradzius") == "Edgaras Petovradžius"


def test_a_misspelt_name_is_matched_among_the_names_sharing_a_word_first():
    names = {1: "Abby Bangser", 2: "Abby Smith", 3: "Edgaras Petovradžius", 4: "Bangs Abbey"}
    index = NameIndex(names)
    assert sorted(index.sharing_a_word(["abby", "bngser"])) == ["abby bangser", "abby smith"]
    assert index.sharing_a_word(["abby"], most=1) == []  # too many: the whole list is scanned
    assert index.sharing_a_word(["nobody"]) == []
    assert closest_name("abby bngser", index) == "abby bangser"
    # no word kept whole: every name is scored
    assert closest_name("edgars petovradzus", index) == "edgaras petovradzius"
    assert closest_name("zzz qqq", index) is None
