"""From what a user typed to what they get: parse, search, and recover from near misses."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.store import Db
from bot.talks.catalog_index import CatalogCache, CatalogIndex
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
)
from bot.talks.suggest import closest_name, suggest
from bot.text import words

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


DURING = {"now": "on now", "next": "starting within the hour"}


def _paged(rows: list[TalkRow], offset: int) -> Page:
    return Page(rows[offset : offset + PAGE_SIZE], len(rows), offset)


def _during(db: Db, index: CatalogIndex, text: str, now: dt.datetime, offset: int) -> TalksAnswer:
    kind = text.lower()
    # what the answer says it was asked, and the day a "nothing on" answer looks around
    q = TalkQuery(raw=text, day_label=DURING[kind], days={now.date()})
    rows = talks_during(db, now, kind)
    if not rows:
        return TalksAnswer("none", text, index, query=q)
    return TalksAnswer("results", text, index, query=q, page=_paged(rows, offset))


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
