"""After an import, /talks answers from the catalog it has until the new one is loaded, away
from any request, and then from the new one: no answer pays for loading a catalog."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

from bot.app import Features, build_app
from bot.bootstrap import import_file
from bot.store.models import CatalogState
from bot.talks.catalog_index import CatalogCache
from tests.blocks import all_text
from tests.conftest import CATALOG, NOW, SIGNING_SECRET
from tests.support.requests import bolt_request, command_body

OLD_TITLE = "Boosting Developer Platform Teams with Product Thinking"
NEW_TITLE = "Boosting Developer Platform Teams with Zeppelin Thinking"


def talks(app, text: str) -> str:
    response = app.dispatch(bolt_request(SIGNING_SECRET, command_body("/talks", text)))
    assert response.status == 200
    return all_text(json.loads(response.body)["blocks"])


def test_an_import_is_answered_from_the_old_catalog_until_the_new_one_is_loaded(
    settings, seeded, background, tmp_path: Path
):
    loads: list[Callable[[], None]] = []  # loads asked for, run when the test says so
    cache = CatalogCache(run=loads.append)
    features = background.track(Features(settings, seeded, lambda: NOW, catalog=cache))
    app = build_app(settings, seeded, features=features)
    assert OLD_TITLE in talks(app, "thinking")  # the first catalog: loaded by its first answer
    first = cache.index
    assert first is not None and loads == []

    edited = tmp_path / "kubecon-eu-2024.yaml"
    edited.write_text(
        CATALOG.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), encoding="utf-8"
    )
    assert import_file(seeded, edited).changed == [NEW_TITLE]

    # right after the import: the old catalog answers, and the new one is only asked for
    answer = talks(app, "thinking")
    assert OLD_TITLE in answer and NEW_TITLE not in answer
    assert "Zeppelin" not in talks(app, "zeppelin")
    assert cache.index is first and len(loads) == 1  # asked for once, not per request

    loader = threading.Thread(target=loads.pop())
    loader.start()
    cache.loaded.wait()
    loader.join()

    swapped = cache.index
    assert swapped is not None and swapped is not first
    assert swapped.revision == first.revision + 1
    answer = talks(app, "thinking")
    assert NEW_TITLE in answer and OLD_TITLE not in answer
    assert NEW_TITLE in talks(app, "zeppelin")
    assert cache.index is swapped and loads == []  # loaded whole: nothing more to load


def test_a_new_catalog_comes_whole_rows_words_and_names(seeded, tmp_path: Path):
    """The swapped-in catalog answers a speaker, a word and a near miss with no more loading."""
    cache = CatalogCache(run=lambda load: load())  # loads at once, in this thread
    with seeded.session() as session:
        first = cache.get(session)
    edited = tmp_path / "kubecon-eu-2024.yaml"
    edited.write_text(
        CATALOG.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), encoding="utf-8"
    )
    import_file(seeded, edited)
    cache.loaded.clear()
    with seeded.session() as session:
        new = cache.get(session)  # the revision changed: loaded and swapped in
    assert cache.loaded.is_set() and new is not first and cache.index is new
    # no database from here on (None for one): everything must be in memory already
    table, postings = new.table(None), new.postings(None)  # type: ignore[arg-type]
    directory, terms = new.directory(None), new.terms(None)  # type: ignore[arg-type]
    (talk,) = [table.rows[table.place[i]] for i in postings.matching(["zeppelin"])]
    assert talk.title == NEW_TITLE
    assert directory.speakers.find(["abby"]) and "zeppelin" in terms


def bump_revision(store) -> None:
    """What an import elsewhere does to the catalog's revision."""
    with store.session() as session:
        state = session.get(CatalogState, 1)
        assert state is not None
        state.revision += 1
        session.commit()


def test_an_older_load_finishing_last_never_replaces_a_newer_one(seeded):
    loads: list[Callable[[], None]] = []
    cache = CatalogCache(run=loads.append)
    with seeded.session() as session:
        first = cache.get(session)
    bump_revision(seeded)
    with seeded.session() as session:
        assert cache.get(session) is first
    bump_revision(seeded)  # a second import before the first one's catalog is loaded
    with seeded.session() as session:
        assert cache.get(session) is first
    older, newer = loads
    newer()
    assert cache.loaded.is_set()
    swapped = cache.index
    assert swapped is not None and swapped.revision == first.revision + 2
    older()  # finishes last: thrown away
    assert cache.index is swapped
