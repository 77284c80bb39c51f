"""Importing catalog YAML: idempotence, edits, dry runs, bad files, and the seed against its source.

The last test reads the blog post the seed catalog was made from and checks, independently of
the YAML, that every talk, title, link and speaker it names is in the store, and nothing else.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select, text

from bot.bootstrap import import_file, seed_if_empty
from bot.importers.records import CatalogFileError
from bot.store import Store
from bot.store.models import (
    CatalogState,
    Company,
    Conference,
    Event,
    Speaker,
    Talk,
    TalkSearch,
    TalkSpeaker,
)
from bot.talks.catalog_index import CatalogCache
from bot.talks.service import answer_talks
from bot.text import fold, words
from tests.conftest import CATALOG, NOW, SAMPLES

SEED_TEXT = CATALOG.read_text(encoding="utf-8")
SEED: dict[str, Any] = yaml.safe_load(SEED_TEXT)


def seed_copy() -> dict[str, Any]:
    return copy.deepcopy(SEED)


def talk_index(data: dict[str, Any], source_id: str) -> int:
    (i,) = [n for n, t in enumerate(data["talks"]) if t["id"] == source_id]
    return i


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def snapshot(store: Store) -> dict[str, Any]:
    """Everything an import may touch, in comparable form."""
    with store.session() as s:
        return {
            "revision": s.scalar(select(CatalogState.revision)),
            "conferences": s.execute(
                select(Conference.slug, Conference.name, Conference.starts).order_by(Conference.id)
            ).all(),
            "events": s.execute(select(Event.id, Event.slug, Event.name).order_by(Event.id)).all(),
            "talks": s.execute(
                select(Talk.id, Talk.source_id, Talk.title, Talk.speakers_line, Talk.day).order_by(
                    Talk.id
                )
            ).all(),
            "links": s.execute(
                select(
                    TalkSpeaker.talk_id,
                    TalkSpeaker.speaker_id,
                    TalkSpeaker.company_id,
                    TalkSpeaker.position,
                ).order_by(TalkSpeaker.talk_id, TalkSpeaker.position)
            ).all(),
            "speakers": s.execute(select(Speaker.id, Speaker.name).order_by(Speaker.id)).all(),
            "companies": s.execute(select(Company.id, Company.name).order_by(Company.id)).all(),
            "search": s.execute(
                select(TalkSearch.talk_id, TalkSearch.title).order_by(TalkSearch.talk_id)
            ).all(),
        }


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


def fts_hits(store: Store, word: str) -> set[int]:
    """Talk ids whose search document has the word, asked of the full-text index itself."""
    with store.session() as s:
        if store.dialect == "sqlite":
            sql = "SELECT rowid FROM talk_fts WHERE talk_fts MATCH :q"
            return set(s.scalars(text(sql), {"q": f'"{word}"'}))
        sql = "SELECT talk_id FROM talk_search WHERE document @@ to_tsquery('simple', :q)"
        return set(s.scalars(text(sql), {"q": word}))


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
    assert fts_hits(store, "k8s") == {ids[GONE]}
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
    # the old title and the removed talk are gone from the full-text index too
    assert found(store, "k8s") == []
    assert fts_hits(store, "k8s") == set()
    assert fts_hits(store, "xylophone") == {ids["1YFhg"]}
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(TalkSearch)) == 27
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


def _kcp_title_line() -> int:
    return next(i for i, line in enumerate(SEED_TEXT.splitlines()) if "API Layer with kcp" in line)


def bad_yaml(path: Path) -> list[str]:
    lines = SEED_TEXT.splitlines()
    k = _kcp_title_line()
    lines[k] = "    title: Building: a platform: API layer"
    path.write_text("\n".join(lines), encoding="utf-8")
    column = lines[k].index("Building:") + len("Building") + 1
    return [f"line {k + 1}, column {column}", "not valid YAML"]


def _edit_talk(path: Path, source_id: str, **changes: Any) -> str:
    data = seed_copy()
    i = talk_index(data, source_id)
    data["talks"][i].update(changes)
    write(path, data)
    return f"talks[{i}] (id {source_id})"


def unknown_event(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", event="nosuchcon"), "'nosuchcon'", "platform-day"]


def unknown_format(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", format="tutorial"), "'tutorial'", "lightning"]


def duplicate_id(path: Path) -> list[str]:
    data = seed_copy()
    j = talk_index(data, "1YeSk")
    assert j > talk_index(data, "1YFfY")
    data["talks"][j]["id"] = "1YFfY"
    write(path, data)
    return [f"talks[{j}] (id 1YFfY)", "appears twice"]


def bad_date(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", date="2024-02-31"), "'date'", "2024-03-19"]


def words_for_a_date(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", date="the third day"), "'date'"]


def non_http_url(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", url="ftp://example.org/kcp"), "'url'", "http"]


def script_url(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", url="javascript:alert(1)"), "'url'"]


def missing_title(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", title="  "), "'title' is required"]


def speakers_not_a_list(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", speakers="Marvin Beckers"), "'speakers' must be a list"]


def speaker_without_name(path: Path) -> list[str]:
    where = _edit_talk(path, "1YFfY", speakers=[{"company": "Kubermatic GmbH"}])
    return [f"{where}, speaker 1", "'name' is required"]


def unknown_timezone(path: Path) -> list[str]:
    data = seed_copy()
    data["conference"]["timezone"] = "Europe/Atlantis"
    write(path, data)
    return ["conference", "'Europe/Atlantis'"]


def not_utf8(path: Path) -> list[str]:
    raw = SEED_TEXT.encode("utf-8")
    good = "Høgstedt".encode()
    offset = raw.index(good) + 1  # the "ø", now one Latin-1 byte
    path.write_bytes(raw.replace(good, "Høgstedt".encode("latin-1"), 1))
    return ["not UTF-8", f"byte {offset}"]


def a_list(path: Path) -> list[str]:
    path.write_text(yaml.safe_dump(SEED["talks"][:2], allow_unicode=True), encoding="utf-8")
    return ["expected a mapping"]


def empty_file(path: Path) -> list[str]:
    path.write_text("", encoding="utf-8")
    return ["expected a mapping"]


BAD_FILES = [
    bad_yaml,
    unknown_event,
    unknown_format,
    duplicate_id,
    bad_date,
    words_for_a_date,
    non_http_url,
    script_url,
    missing_title,
    speakers_not_a_list,
    speaker_without_name,
    unknown_timezone,
    not_utf8,
    a_list,
    empty_file,
]


@pytest.mark.parametrize("make", BAD_FILES, ids=[f.__name__ for f in BAD_FILES])
def test_a_bad_file_is_refused_with_its_place_and_changes_nothing(store, tmp_path, make):
    import_file(store, CATALOG)
    before = snapshot(store)
    path = tmp_path / f"{make.__name__}.yaml"
    expected = make(path)

    for dry_run in (True, False):
        with pytest.raises(CatalogFileError) as exc:
            import_file(store, path, dry_run=dry_run)
        message = str(exc.value)
        assert message.startswith(str(path)), message  # names the file
        for fragment in expected:  # and the place, and what is wrong
            assert fragment in message, (fragment, message)
        assert "Traceback" not in message

    after = snapshot(store)
    assert len(after["talks"]) == 27
    assert after["revision"] == before["revision"]
    assert after == before


def test_a_missing_file_is_a_catalog_error(store, tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(CatalogFileError, match="cannot read it"):
        import_file(store, path)
    assert snapshot(store)["talks"] == []


# --- known bugs (see the report) ---


def test_an_unquoted_impossible_date_is_a_catalog_error(store, tmp_path):
    import_file(store, CATALOG)
    before = snapshot(store)
    path = tmp_path / "bad-date.yaml"
    assert SEED_TEXT.count("date: 2024-03-19") > 1
    path.write_text(SEED_TEXT.replace("date: 2024-03-19", "date: 2024-02-31", 1), encoding="utf-8")
    try:
        with pytest.raises(CatalogFileError) as exc:
            import_file(store, path)
        assert str(path) in str(exc.value)
    finally:
        assert snapshot(store) == before


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

ARTICLE = SAMPLES / "kubecon-eu-2024-recap.md"
BULLET = re.compile(r"^\s*[*-]\s+\[(?P<title>[^\]]+)\]\((?P<url>[^)\s]+)\)(?P<rest>.*)$")
SCHED_URL = re.compile(
    r"^https://(?:sched\.co/(?P<short>[A-Za-z0-9]+)"
    r"|[a-z0-9]+\.sched\.com/event/(?P<id>[A-Za-z0-9]+)(?:/(?P<slug>[a-z0-9-]+))?)/?$"
)
YOUTUBE_URL = re.compile(r"^https://www\.youtube\.com/watch\?v=(?P<id>[\w-]+)$")
# the one talk the article gives in prose, not as a bullet: a panel with its panellists' first
# names ("Lian, Thomas, Mauricio and Atul participated in a panel discussion - [Title](url)")
PROSE_PANEL = re.compile(
    r"(?P<names>[^.\n]+?) participated in a panel discussion - "
    r"\[(?P<title>[^\]]+)\]\((?P<url>https://www\.youtube\.com/[^)\s]+)\)"
)
# Where Sched's URL slug spells a company longer than the article (and the catalog) do:
# the words left over once the article's spelling is taken out.
SCHED_SLUG_LEFTOVERS = {
    "1YFgB": ["group"],  # Edgaras Petovradžius: "LEGO" in the article, "lego-group" on Sched
}
SCHED_PREFIXES = (["cl", "lightning", "talk"], ["panel"])


def url_id(url: str) -> str | None:
    if m := SCHED_URL.match(url):
        return m["short"] or m["id"]
    if m := YOUTUBE_URL.match(url):
        return m["id"]
    return None


def slug(text_: str) -> str:
    """Sched's slugs drop apostrophes ("Bloomberg's" -> "bloombergs") and fold accents."""
    return "-".join(words(re.sub(r"['’]", "", text_)))


@dataclass
class ArticleTalk:
    id: str
    title: str
    urls: set[str] = field(default_factory=set)
    slug: str | None = None
    text: str = ""  # the bullet's whole line(s), or the prose sentence
    first_names: list[str] | None = None  # only for the prose panel


def read_article() -> tuple[str, dict[str, ArticleTalk]]:
    article = ARTICLE.read_text(encoding="utf-8")
    talks: dict[str, ArticleTalk] = {}

    def add(id_: str, title: str, url: str, line: str, slug_: str | None) -> ArticleTalk:
        entry = talks.setdefault(id_, ArticleTalk(id_, title.strip()))
        assert entry.title == title.strip(), f"{id_} has two titles in the article"
        entry.urls.add(url)
        entry.slug = entry.slug or slug_
        entry.text += "\n" + line
        return entry

    for line in article.splitlines():
        m = BULLET.match(line)
        if not m:
            continue
        if s := SCHED_URL.match(m["url"]):
            add(s["short"] or s["id"], m["title"], m["url"], line, s["slug"])
        elif y := YOUTUBE_URL.match(m["url"]):
            add(y["id"], m["title"], m["url"], line, None)
    for m in PROSE_PANEL.finditer(article):
        id_ = url_id(m["url"])
        assert id_, m["url"]
        entry = add(id_, m["title"], m["url"], m.group(0), None)
        entry.first_names = [n.strip() for n in re.split(r",|\band\b", m["names"]) if n.strip()]
    return article, talks


@dataclass(frozen=True)
class DbTalk:
    source_id: str
    title: str
    url: str
    people: list[tuple[str, str | None]]


def db_talks(store: Store) -> dict[str, DbTalk]:
    with store.session() as s:
        rows = s.execute(select(Talk.id, Talk.source_id, Talk.title, Talk.url)).all()
        links = s.execute(
            select(TalkSpeaker.talk_id, Speaker.name, Company.name)
            .join(Speaker, Speaker.id == TalkSpeaker.speaker_id)
            .outerjoin(Company, Company.id == TalkSpeaker.company_id)
            .order_by(TalkSpeaker.talk_id, TalkSpeaker.position)
        ).all()
    people: dict[int, list[tuple[str, str | None]]] = {}
    for talk_id, name, company in links:
        people.setdefault(talk_id, []).append((name, company))
    out = {}
    for id_, source_id, title, url in rows:
        key = url_id(url or "")
        assert key, f"{source_id}: {url!r} is neither a Sched nor a YouTube link"
        assert key not in out, f"two talks link to {key}"
        out[key] = DbTalk(source_id, title, url, people.get(id_, []))
    return out


def _remove_run(tokens: list[str], run: list[str]) -> tuple[list[str], bool]:
    """tokens without the first occurrence of run (a contiguous sub-list)."""
    for i in range(len(tokens) - len(run) + 1):
        if tokens[i : i + len(run)] == run:
            return tokens[:i] + tokens[i + len(run) :], True
    return tokens, False


def _check_against_slug(a: ArticleTalk, t: DbTalk) -> None:
    tokens = a.slug.split("-")
    title = slug(a.title).split("-")
    for prefix in ([], *SCHED_PREFIXES):
        if tokens[: len(prefix) + len(title)] == prefix + title:
            tokens = tokens[len(prefix) + len(title) :]
            break
    else:
        pytest.fail(f"{a.id}: the slug {a.slug!r} does not start with the title {a.title!r}")
    assert tokens, f"{a.id}: the slug names no speaker"
    rest = tokens
    for name, _ in t.people:  # every speaker is in the slug...
        rest, ok = _remove_run(rest, slug(name).split("-"))
        assert ok, f"{a.id}: {name!r} ({slug(name)}) is not in {a.slug!r}"
    for company in {c for _, c in t.people if c}:
        rest, ok = _remove_run(rest, slug(company).split("-"))
        assert ok, f"{a.id}: company {company!r} ({slug(company)}) is not in {a.slug!r}"
        while ok:  # a company the slug gives once per speaker
            rest, ok = _remove_run(rest, slug(company).split("-"))
    # ...and nobody in the slug is missing from the store
    assert rest == SCHED_SLUG_LEFTOVERS.get(a.id, []), f"{a.id}: {rest} left of {a.slug!r}"


def test_the_seed_holds_exactly_the_talks_and_speakers_of_the_article(seeded):
    article, wanted = read_article()
    folded_article = fold(article)
    assert len(wanted) == 27  # 26 distinct Sched links (1ZiQB twice) and the YouTube panel
    assert len(wanted["1ZiQB"].urls) == 2

    stored = db_talks(seeded)
    assert len(stored) == 27
    assert set(stored) == set(wanted)

    verified_people: set[str] = set()
    verified_companies: set[str] = set()
    for key, a in sorted(wanted.items()):
        t = stored[key]
        assert t.title == a.title, key
        assert t.url in a.urls, (key, t.url)
        if a.slug:
            _check_against_slug(a, t)
        elif a.first_names is not None:
            # the prose panel: first names only; each is the start of exactly one panellist's
            # name, and each panellist is named in full elsewhere in the article (Atulpriya
            # Sharma as its author), with their company where we have one
            assert len(a.first_names) == len(t.people), (a.first_names, t.people)
            for first in a.first_names:
                starts = [n for n, _ in t.people if fold(n).startswith(fold(first))]
                assert len(starts) == 1, (first, t.people)
            for name, company in t.people:
                assert fold(name) in folded_article, name
                if company:
                    assert f"{name} from {company}" in article, (name, company)
        else:
            for name, company in t.people:
                assert fold(name) in fold(a.text), (key, name)
                if company:
                    assert f"{name} from {company}" in a.text, (key, name, company)
        verified_people.update(fold(n) for n, _ in t.people)
        verified_companies.update(fold(c) for _, c in t.people if c)

    # a talk with no speakers in the store is one the article names nobody for
    for key, t in stored.items():
        if not t.people:
            assert wanted[key].slug is None and " from " not in wanted[key].text, key

    with seeded.session() as s:
        speakers = [fold(n) for n in s.scalars(select(Speaker.name))]
        companies = [fold(n) for n in s.scalars(select(Company.name))]
    assert len(speakers) == len(set(speakers)) == len(verified_people)
    assert set(speakers) == verified_people
    assert set(companies) == verified_companies


def test_processes_seeding_one_empty_store_at_once_all_start(store: Store):
    """Two processes starting on an empty store both seed it; the loser's rows already stand."""

    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            seed_if_empty(store, CATALOG.parent)
        except BaseException as exc:  # the test reports whatever escaped
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Talk)) == 27
