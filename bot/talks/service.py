"""From what a user typed to what they get: parse, search, and recover from near misses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.store import Db
from bot.talks.catalog_index import CatalogCache, CatalogIndex, ConferenceInfo
from bot.talks.query import MAX_QUERY, QueryError, TalkQuery, parse
from bot.talks.search import (
    Page,
    SpeakerCard,
    TalkRow,
    find_speakers,
    find_talks,
    followed_talks,
    talks_by_id,
    talks_during,
    with_summaries,
)
from bot.talks.suggest import closest_name, suggest
from bot.talks.talk_blocks import DETAILED
from bot.talks.talk_table import URL_ID
from bot.text import words
from bot.times import local_format

TALK_ID = re.compile(r"^#?[0-9]{1,9}$")
PAGE_SIZE = 25  # a whole co-located event in one answer


@dataclass(frozen=True)
class TalksAnswer:
    kind: str  # "help", "results", "details", "none" or "refused"
    text: str  # what the user typed
    index: CatalogIndex
    query: TalkQuery | None = None
    page: Page | None = None
    meant: str | None = None  # set when a near miss was corrected: what we took it to mean
    message: str | None = None  # why a query was refused


def answer_talks(
    db: Db,
    cache: CatalogCache,
    text: str,
    now: dt.datetime,
    offset: int = 0,
    user: tuple[str, str] | None = None,
) -> TalksAnswer:
    """user: (team, user) of who asks, for `mine`."""
    answer = _answer_talks(db, cache, text, now, offset, user)
    page = answer.page
    if page is not None and 0 < len(page.rows) <= DETAILED:  # shown in full: with summaries
        page = dataclasses.replace(page, rows=with_summaries(db, page.rows))
        return dataclasses.replace(answer, page=page)
    return answer


def _answer_talks(
    db: Db,
    cache: CatalogCache,
    text: str,
    now: dt.datetime,
    offset: int,
    user: tuple[str, str] | None,
) -> TalksAnswer:
    index = cache.get(db)
    text = text.strip()
    if text.lower() in ("", "help", "?"):
        return TalksAnswer("help", text, index)
    if text.lower() in DURING:
        return _during(db, index, text, now, offset)
    if text.lower() == "mine":
        return _mine(db, index, text, offset, user)
    if TALK_ID.match(text):  # `/talks 123`: one talk in full
        rows = talks_by_id(db, [int(text.lstrip("#"))])
        return TalksAnswer("details", text, index, page=Page(rows, len(rows), 0))
    if found := _by_url_id(db, index, text):
        return found
    try:
        q = parse(text, index, now)
    except QueryError as exc:
        return TalksAnswer("refused", text, index, message=str(exc))
    if q.is_empty:
        return TalksAnswer("none", text, index, query=q)
    page = find_talks(db, index, q, offset, PAGE_SIZE)
    if page.total:
        return TalksAnswer("results", text, index, query=q, page=page)
    fixed = suggest(db, q, index)
    if fixed:
        page = find_talks(db, index, fixed[0], offset, PAGE_SIZE)
        if page.total:
            return TalksAnswer("results", text, index, query=fixed[0], page=page, meant=fixed[1])
        if fixed[0].event_ids and not fixed[0].words:  # an event with no talks yet: say so
            return TalksAnswer("none", text, index, query=fixed[0], meant=fixed[1])
    return TalksAnswer("none", text, index, query=q)


def _by_url_id(db: Db, index: CatalogIndex, text: str) -> TalksAnswer | None:
    """`/talks 1YFe7` or a pasted schedule link: the talk whose page has that id."""
    token = text.strip("<>").split("|")[0]
    if " " in token:
        return None
    m = URL_ID.search(token)
    ref = m.group(1) if m and "/" in token else token
    # an id, not a word: ids mix in digits or capitals ("1YFe7"); links are ids by their shape
    if not (m or re.search(r"[0-9A-Z]", ref)):
        return None
    table = index.table(db)
    ids = table.with_url_id(ref)
    if not ids:
        return None
    rows = table.talks(ids)
    if len(rows) == 1:
        return TalksAnswer("details", text, index, page=Page(rows, 1, 0))
    q = TalkQuery(raw=text, day_label=f"id {ref}")
    return TalksAnswer("results", text, index, query=q, page=Page(rows, len(rows), 0, table))


DURING = {"now": "on now", "next": "starting within the hour"}


def _paged(rows: list[TalkRow], offset: int) -> Page:
    return Page(rows[offset : offset + PAGE_SIZE], len(rows), offset)


def _during(db: Db, index: CatalogIndex, text: str, now: dt.datetime, offset: int) -> TalksAnswer:
    kind = text.lower()
    # each conference's own date: late evening in Seattle is already tomorrow in UTC
    today = {c.id: now.astimezone(ZoneInfo(c.timezone)).date() for c in index.conferences.values()}
    q = TalkQuery(raw=text, day_label=DURING[kind], days=set(today.values()))
    rows = talks_during(db, now, kind)
    if rows:
        return TalksAnswer("results", text, index, query=q, page=_paged(rows, offset))
    return TalksAnswer("refused", text, index, query=q, message=_nothing_during(index, kind, today))


def _nothing_during(index: CatalogIndex, kind: str, today: dict[int, dt.date]) -> str:
    """Why `now`/`next` found nothing, and what to ask instead."""
    running = [c for c in index.conferences.values() if today[c.id] in c.days()]
    if running:
        names = " and ".join(f"*{c.name}*" for c in running)
        what = "No talk is on right now" if kind == "now" else "No talk starts within the hour"
        return f"{what} at {names}. `/talks today` lists today's talks."
    upcoming = sorted(
        (c for c in index.conferences.values() if c.starts and c.starts > today[c.id]),
        key=lambda c: (c.starts, c.id),
    )
    past = sorted(
        (c for c in index.conferences.values() if c.ends and c.ends < today[c.id]),
        key=lambda c: (c.ends, c.id),
    )
    text = f"`/talks {kind}` lists talks while a conference runs; none in the catalog runs today."
    if upcoming:
        c = upcoming[0]
        text += f" The next one is *{c.name}* ({_span(c)}): `/talks {c.slug}`."
    elif past:
        c = past[-1]
        text += f" The latest was *{c.name}* ({_span(c)}): `/talks {c.slug}`."
    return text


def _span(c: ConferenceInfo) -> str:
    if c.starts and c.ends and c.ends != c.starts:
        return f"{local_format(c.starts, '%-d %b')} – {local_format(c.ends, '%-d %b %Y')}"
    return local_format(c.starts or c.ends or dt.date.min, "%-d %b %Y")


def _mine(
    db: Db, index: CatalogIndex, text: str, offset: int, user: tuple[str, str] | None
) -> TalksAnswer:
    if user is None:
        return TalksAnswer(
            "refused", text, index, message="`/talks mine` lists the talks you follow in Slack."
        )
    rows = followed_talks(db, *user)
    if not rows:
        return TalksAnswer(
            "refused",
            text,
            index,
            message="You follow no talks yet. Press Follow on a talk (`/talks platform-day`, "
            "then Details) and I will DM you 10 minutes before it starts.",
        )
    q = TalkQuery(raw=text, day_label="followed by you")
    return TalksAnswer("results", text, index, query=q, page=_paged(rows, offset))


@dataclass(frozen=True)
class SpeakersAnswer:
    kind: str  # "help", "results", "none" or "refused"
    text: str
    cards: list[SpeakerCard]
    meant: str | None = None
    message: str | None = None


def answer_speakers(db: Db, cache: CatalogCache, text: str) -> SpeakersAnswer:
    text = text.strip()
    if text.lower() in ("", "help", "?"):
        return SpeakersAnswer("help", text, [])
    if len(text) > MAX_QUERY:
        return SpeakersAnswer(
            "refused",
            text,
            [],
            message=f"That is {len(text):,} characters long; I read up to {MAX_QUERY}. "
            "Try a name or a company.",
        )
    wanted = words(text)
    if not wanted:
        return SpeakersAnswer("none", text, [])
    index = cache.get(db)
    cards = find_speakers(db, index, wanted)
    if cards:
        return SpeakersAnswer("results", text, cards)
    directory = index.directory(db)
    phrase = " ".join(wanted)
    for names in (directory.speakers, directory.companies):
        best = closest_name(phrase, names)
        if best:
            cards = find_speakers(db, index, best.split())
            if cards:
                return SpeakersAnswer("results", text, cards, meant=names.written(best))
    return SpeakersAnswer("none", text, [])
