"""The catalog kept in memory: the search engine every database shares.

The word index finds exactly the talks holding a word starting with each term (whole words
for very short terms), and the talk table hands out the rows SQL would.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.store import Store
from bot.store.models import CatalogState, Event, Talk, TalkSpeaker
from bot.talks.catalog_index import CatalogCache, CatalogIndex
from bot.talks.listeners import TalksFeature
from bot.talks.query import parse
from bot.talks.search import COUNT_CAP, find_talks, talks_by_id, with_summaries
from bot.talks.talk_table import RANKED, TalkTable
from bot.talks.word_index import WordIndex, as_prefix
from bot.text import words
from tests.conftest import NOW

QUERIES = [
    ["platform"],
    ["plat"],
    ["developer", "experience"],
    ["golden", "paths"],
    ["kubernetes"],
    ["backstage"],
    ["abby"],
    ["syntasso"],
    ["lego", "manufacturing"],
    ["a"],
    ["zeppelin"],
    ["platfrom"],
    ["2024"],
    ["api", "kcp"],
]


def talk_words(session) -> dict[int, set[str]]:
    """Each talk's words, read the plain way: title, speakers, companies, summary, event
    name and slug, format, room."""
    held: dict[int, set[str]] = {}
    rows = session.execute(
        select(
            Talk.id, Talk.title, Talk.summary, Talk.format, Talk.room, Event.name, Event.slug
        ).join(Event, Event.id == Talk.event_id)
    )
    for talk_id, *texts in rows:
        held[talk_id] = {w for text in texts for w in words(text or "")}
    for talk_id, name, company in session.execute(
        select(TalkSpeaker.talk_id, TalkSpeaker.name, TalkSpeaker.company_name)
    ):
        held[talk_id] |= set(words(name)) | set(words(company or ""))
    return held


def holding(held: dict[int, set[str]], terms: list[str]) -> set[int]:
    def has(talk_words: set[str], term: str) -> bool:
        if as_prefix(term):
            return any(w.startswith(term) for w in talk_words)
        return term in talk_words

    return {i for i, ws in held.items() if all(has(ws, t) for t in terms)}


def test_the_word_index_finds_the_talks_holding_every_term(seeded: Store) -> None:
    with seeded.session() as session:
        index = WordIndex.load(session)
        held = talk_words(session)
    vocabulary = {w for ws in held.values() for w in ws}
    queries = [*QUERIES, *([w] for w in sorted(vocabulary)[::7])]
    for terms in queries:
        expected = holding(held, terms)
        assert index.matching(terms) == expected, terms
        assert index.holds_all(terms) == bool(expected) or len(terms) > 1, terms
        if expected:
            assert index.holds_all(terms), terms
    # built from the rows already in memory, it is the same index
    with seeded.session() as session:
        slugs = {i: slug for i, slug in session.execute(select(Event.id, Event.slug))}
        from_rows = WordIndex.load(session, TalkTable.load(session), slugs)
    for terms in queries:
        assert from_rows.matching(terms) == index.matching(terms), terms
        found = index.matching(terms)
        assert from_rows.scores(terms, found) == index.scores(terms, found), terms
    # the cases above mean something: some match many talks, some one, some none
    sizes = [len(holding(held, t)) for t in QUERIES]
    assert max(sizes) > 10 and 1 in sizes and 0 in sizes


def test_the_talk_table_holds_the_rows_sql_reads(seeded: Store) -> None:
    with seeded.session() as session:
        table = TalkTable.load(session)
        ids = [row.id for row in table.rows]
        from_sql = talks_by_id(session, ids)
        # same rows, same order; the table holds no summaries, read for the few shown in full
        assert table.talks(ids) == [r._replace(summary="") for r in from_sql]
        assert with_summaries(session, table.talks(ids)) == from_sql
        assert any(r.summary for r in from_sql)
        for places in (*table.by_event.values(), *table.by_conference.values()):
            assert list(places) == sorted(places) and places  # schedule order


def test_the_catalog_in_memory_follows_an_import(seeded: Store) -> None:
    loads: list[Callable[[], None]] = []  # the background load, run when the test says
    cache = CatalogCache(run=loads.append)
    with seeded.session() as session:
        first = cache.get(session)
        table = first.table(session)
        assert first.table(session) is table  # once a revision
    with seeded.session() as session:
        state = session.get(CatalogState, 1)
        assert state is not None
        state.revision += 1
        session.commit()
    with seeded.session() as session:
        assert cache.get(session) is first  # answers meanwhile come from the old one
    (load,) = loads
    load()  # loaded in the background, then swapped in
    with seeded.session() as session:
        assert cache.get(session) is not first
        assert cache.get(session).table(session) is not table


def test_very_common_queries_kept_are_bounded() -> None:
    table = TalkTable()
    for n in range(RANKED + 10):
        table.remember(("word", n), list(range(COUNT_CAP + 5)), COUNT_CAP + 1)
    assert len(table.ranked) == RANKED
    assert ("word", 0) not in table.ranked and ("word", RANKED + 9) in table.ranked
    total, first = table.ranked[("word", RANKED + 9)]
    assert total == COUNT_CAP + 5 and list(first) == list(range(COUNT_CAP + 1))


@pytest.mark.parametrize("terms", [["nosuchword"], ["platform", "nosuchword"]])
def test_words_nothing_holds_match_nothing(seeded: Store, terms: list[str]) -> None:
    with seeded.session() as session:
        index = WordIndex.load(session)
        assert index.matching(terms) == set() and not index.holds_all(terms)


def test_scores_weigh_the_best_column_of_each_term_and_add_them() -> None:
    title, people, companies, body = 1, 2, 4, 8
    index = WordIndex.of(
        {
            "kcp": ([1, 2, 3, 4], [title, people, companies, body | title]),
            "layer": ([1, 4], [body, people]),
            "layers": ([2], [title]),
        }
    )
    assert index.scores(["kcp"], {1, 2, 3, 4}) == {1: 10, 2: 6, 3: 4, 4: 10}
    # each term counts its best column once; "lay" is a prefix of two words
    assert index.scores(["kcp", "lay"], {1, 2, 4}) == {1: 11, 2: 16, 4: 16}
    assert index.scores(["nothing"], {1}) == {1: 0}


def test_scores_look_talks_up_in_a_common_words_postings() -> None:
    ids = list(range(1, 2001))
    index = WordIndex.of({"platform": (ids, [8] * 1000 + [1] * 1000)})
    # two talks against 2,000 postings: looked up, not walked; the same weights either way
    assert index.scores(["platform"], {7, 1500}) == {7: 1, 1500: 10}


def test_a_title_holding_every_word_scores_highest(seeded: Store) -> None:
    with seeded.session() as session:
        index = WordIndex.load(session)
        found = index.matching(["platform", "engineering"])
        scores = index.scores(["platform", "engineering"], found)
    assert found and set(scores) == found
    assert max(scores.values()) == 20  # both words in some title


def _queries(store: Store, work: Callable[[Session], object]) -> int:
    """How many SQL statements `work` sends to the database."""
    sent: list[str] = []

    def seen(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        with store.session() as session:
            work(session)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    return len(sent)


def _everything(index: CatalogIndex) -> Callable[[Session], object]:
    """What answers read from the index: talks, words, names and suggestions."""
    return lambda s: (index.table(s), index.postings(s), index.directory(s), index.terms(s))


def test_warming_loads_a_new_revision_before_any_answer_needs_it(seeded: Store) -> None:
    cache = CatalogCache()  # rechecks the revision on every call
    feature = TalksFeature(seeded, lambda: NOW, cache)
    feature.warm()
    first = cache.index
    assert first is not None
    assert _queries(seeded, _everything(first)) == 0  # loaded whole: no answer waits for it
    feature.warm()
    assert cache.index is first  # nothing changed: nothing reloaded
    with seeded.session() as session:  # an import elsewhere bumps the revision
        state = session.get(CatalogState, 1)
        assert state is not None
        state.revision += 1
        session.commit()
    feature.warm()  # starts loading the new revision, away from any answer
    cache.loaded.wait()
    warmed = cache.index
    assert warmed is not first and warmed is not None
    assert _queries(seeded, _everything(warmed)) == 0


def test_common_lists_the_words_most_talks_hold_commonest_first() -> None:
    index = WordIndex.of(
        {
            "a": ([1, 2, 3], [1, 1, 1]),
            "b": ([1, 2], [1, 1]),
            "c": ([1], [1]),
            "d": ([1, 2, 3, 4], [8] * 4),
        }
    )
    assert index.common(1, most=10) == ["d", "a", "b"]
    assert index.common(1, most=2) == ["d", "a"]
    assert index.common(4, most=10) == []


def test_warming_ranks_the_commonest_words_before_their_first_ask(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # on the seed catalog no word is in over 1,000 talks: count "very common" (ranked in SQL
    # and kept) from 5
    monkeypatch.setattr("bot.talks.listeners.COUNT_CAP", 5)
    monkeypatch.setattr("bot.talks.search.COUNT_CAP", 5)
    cache = CatalogCache()
    feature = TalksFeature(seeded, lambda: NOW, cache)
    feature.warm()
    index = cache.index
    assert index is not None
    with seeded.session() as session:
        common = index.postings(session).common(5, most=32)
        remembered = {key[0] for key in index.table(session).ranked}
    assert common
    assert any(
        (word,) in remembered for word in common
    )  # the words the parser reads as words alone (others name an event, say)


def test_a_kept_ranking_answers_every_page_as_ranking_afresh_would(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    offsets = (0, 4, 8, 12, 16, 20)
    with seeded.session() as session:
        index = CatalogCache().get(session)
        q = parse("platform", index, NOW)
        fresh = [find_talks(session, index, q, offset, 4) for offset in offsets]
        assert not index.table(session).ranked  # too few hits to keep
        # on the seed catalog no word is in over 1,000 talks: count "very common" from 5
        monkeypatch.setattr("bot.talks.search.COUNT_CAP", 5)
        index = CatalogCache().get(session)
        kept = [find_talks(session, index, q, offset, 4) for offset in offsets]
        assert [key[0] for key in index.table(session).ranked] == [("platform",)]
    for a, b in zip(fresh, kept, strict=True):
        assert [r.id for r in a.rows] == [r.id for r in b.rows]
        assert a.total == b.total > 5
    ids = [r.id for page in kept for r in page.rows]
    assert len(ids) == len(set(ids)) == min(24, kept[0].total)
