"""Importing catalog YAML: idempotence, edits and dry runs. Bad files are refused in
test_catalog_yaml_refused.py; the seed is checked against its source in test_seed_article.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.bootstrap import import_file
from bot.store import Store
from bot.store.models import (
    Company,
    Speaker,
    Talk,
    TalkSpeaker,
)
from bot.talks.catalog_index import CatalogCache
from bot.talks.service import answer_talks
from bot.talks.word_index import WordIndex
from tests.conftest import CATALOG, NOW
from tests.importers.catalog_files import SEED, seed_copy, snapshot, talk_index, write


def talk_ids(store: Store) -> dict[str, int]:
    with store.session() as s:
        return dict(s.execute(select(Talk.source_id, Talk.id)).all())


def people_of(store: Store, source_id: str) -> list[tuple[str, str | None]]:
    with store.session() as s:
        return list(
            s.execute(
                select(Speaker.name, Company.name)
                .join(TalkSpeaker, TalkSpeaker.speaker_id == Speaker.id)
                .outerjoin(Company, Company.id == TalkSpeaker.company_id)
                .join(Talk, Talk.id == TalkSpeaker.talk_id)
                .where(Talk.source_id == source_id)
                .order_by(TalkSpeaker.position)
            ).all()
        )


def found(store: Store, query: str) -> list[str]:
    """Titles /talks answers with, exactly (not via "did you mean"); [] when it finds nothing."""
    with store.session() as s:
        answer = answer_talks(s, CatalogCache(), query, NOW)
    if answer.kind != "results" or answer.meant is not None:
        return []
    return [r.title for r in answer.page.rows]


def index_hits(store: Store, word: str) -> set[int]:
    """Talk ids holding the word, asked of the search engine's index itself."""
    with store.session() as s:
        return WordIndex.load(s).matching([word])


# --- re-import ---


def test_importing_the_seed_twice_changes_nothing(store):
    first = import_file(store, CATALOG)
    assert len(first.added) == len(SEED["talks"]) == 27
    assert not first.changed and not first.removed
    before, ids = snapshot(store), talk_ids(store)
    assert before["revision"] == 1

    second = import_file(store, CATALOG)
    assert (second.added, second.changed, second.removed) == ([], [], [])
    assert second.unchanged == 27 and not second.touched
    assert second.summary() == "kubecon-eu-2024: 0 added, 0 changed, 0 removed, 27 unchanged"
    assert snapshot(store) == before  # revision, talk ids, links, search rows: all the same
    assert talk_ids(store) == ids


def test_a_yaml_round_trip_of_the_seed_is_the_same_catalog(store, tmp_path):
    import_file(store, CATALOG)
    before = snapshot(store)
    report = import_file(store, write(tmp_path / "copy.yaml", seed_copy()))
    assert not report.touched and report.unchanged == 27
    assert snapshot(store) == before


# --- an edited copy: one title, one speaker list, one talk gone, one new ---

NEW_TITLE = "Boosting Developer Platform Teams with Xylophone Thinking"
NEW_TALK = {
    "id": "new-1",
    "title": "Marsupial Platforms in the Outback",
    "event": "backstagecon",
    "date": "2024-03-19",
    "format": "talk",
    "url": "https://example.org/talks/new-1",
    "speakers": [{"name": "Ada Wombatson", "company": "Pouch Labs"}],
    "summary": "A brand-new talk.",
}
GONE = "1YFj9"  # "To K8S and Beyond – ...": the only talk with "k8s" in it


def edited_copy() -> dict[str, Any]:
    data = seed_copy()
    data["talks"][talk_index(data, "1YFhg")]["title"] = NEW_TITLE
    data["talks"][talk_index(data, "1YeSk")]["speakers"].append(
        {"name": "Zoë Quokkaford", "company": "Wombat Works"}
    )
    del data["talks"][talk_index(data, GONE)]
    data["talks"].append(NEW_TALK)
    return data


def test_an_edited_catalog_updates_in_place(store, tmp_path):
    import_file(store, CATALOG)
    ids, before = talk_ids(store), snapshot(store)
    gone_title = SEED["talks"][talk_index(SEED, GONE)]["title"]
    shopify_title = SEED["talks"][talk_index(SEED, "1YeSk")]["title"]
    # what the edits will take away is there to begin with
    assert found(store, "k8s") == [gone_title]
    assert index_hits(store, "k8s") == {ids[GONE]}
    assert found(store, "xylophone") == [] and found(store, "marsupial") == []

    report = import_file(store, write(tmp_path / "edited.yaml", edited_copy()))

    assert report.added == [NEW_TALK["title"]]
    assert sorted(report.changed) == sorted([NEW_TITLE, shopify_title])
    assert report.removed == [gone_title]
    assert report.unchanged == 24
    assert report.summary() == "kubecon-eu-2024: 1 added, 2 changed, 1 removed, 24 unchanged"

    after = talk_ids(store)
    assert GONE not in after and "new-1" in after and len(after) == 27
    # changed and unchanged talks keep their ids (links to them stay valid)
    assert {k: v for k, v in after.items() if k != "new-1"} == {
        k: v for k, v in ids.items() if k != GONE
    }
    assert snapshot(store)["revision"] == before["revision"] + 1

    # the new title and the new talk are found, by title words and by people
    assert found(store, "xylophone") == [NEW_TITLE]
    assert found(store, "marsupial outback") == [NEW_TALK["title"]]
    assert found(store, "speaker ada wombatson") == [NEW_TALK["title"]]
    assert found(store, "company pouch labs") == [NEW_TALK["title"]]
    assert found(store, "backstagecon") == [NEW_TALK["title"]]
    # the speaker list changed: links, the denormalised line and the search document
    assert people_of(store, "1YeSk") == [
        ("Leila Vayghan", "Shopify"),
        ("Zoë Quokkaford", "Wombat Works"),
    ]
    with store.session() as s:
        line = s.scalar(select(Talk.speakers_line).where(Talk.source_id == "1YeSk"))
    assert line == "Leila Vayghan (Shopify), Zoë Quokkaford (Wombat Works)"
    assert found(store, "speaker quokkaford") == [shopify_title]
    assert found(store, "zoe") == [shopify_title]  # folded
    assert found(store, "company wombat") == [shopify_title]
    # the old title and the removed talk are gone from the search index too
    assert found(store, "k8s") == []
    assert index_hits(store, "k8s") == set()
    assert index_hits(store, "xylophone") == {ids["1YFhg"]}
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Talk)) == 27
        orphans = s.scalar(
            select(func.count())
            .select_from(TalkSpeaker)
            .where(TalkSpeaker.talk_id.not_in(select(Talk.id)))
        )
        assert orphans == 0


# --- dry run ---


def test_dry_run_reports_but_writes_nothing(store, tmp_path):
    import_file(store, CATALOG)
    before = snapshot(store)
    path = write(tmp_path / "edited.yaml", edited_copy())

    dry = import_file(store, path, dry_run=True)
    assert (len(dry.added), len(dry.changed), len(dry.removed)) == (1, 2, 1)
    assert snapshot(store) == before
    assert found(store, "xylophone") == []

    real = import_file(store, path)
    assert (real.added, sorted(real.changed), real.removed) == (
        dry.added,
        sorted(dry.changed),
        dry.removed,
    )
    assert snapshot(store) != before


def test_dry_run_into_an_empty_store_leaves_it_empty(store):
    empty = snapshot(store)
    report = import_file(store, CATALOG, dry_run=True)
    assert len(report.added) == 27
    assert snapshot(store) == empty
    assert empty["talks"] == [] and empty["conferences"] == [] and empty["revision"] == 0


# --- bad files ---


def test_one_company_spelt_two_ways_is_still_idempotent(store, tmp_path):
    data = seed_copy()
    panel = data["talks"][talk_index(data, "yt-PfrUObDwvyQ")]
    (mauricio,) = [p for p in panel["speakers"] if "Salatino" in p["name"]]
    assert mauricio["company"] == "Diagrid"
    mauricio["company"] = "diagrid"  # as Sched's URL slugs write it
    path = write(tmp_path / "two-spellings.yaml", data)

    import_file(store, path)
    revision = snapshot(store)["revision"]
    again = import_file(store, path)
    assert (again.added, again.changed, again.removed) == ([], [], [])
    assert snapshot(store)["revision"] == revision


def test_a_speaker_listed_twice_on_a_talk_is_still_idempotent(store, tmp_path):
    data = seed_copy()
    talk = data["talks"][talk_index(data, "1YeSk")]
    talk["speakers"] = talk["speakers"] * 2
    path = write(tmp_path / "twice.yaml", data)

    import_file(store, path)
    assert people_of(store, "1YeSk") == [("Leila Vayghan", "Shopify")]
    revision = snapshot(store)["revision"]
    again = import_file(store, path)
    assert again.changed == []
    assert snapshot(store)["revision"] == revision


# --- the seed against the article it was made from ---
