"""The seed catalog against its source: the test reads the blog post the seed was made from and
checks, independently of the YAML, that every talk, title, link and speaker it names is in the
store, and nothing else."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from bot.bootstrap import seed_if_empty
from bot.store import Store
from bot.store.models import (
    Company,
    Speaker,
    Talk,
    TalkSpeaker,
)
from bot.text import fold, words
from tests.conftest import CATALOG, SAMPLES

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
