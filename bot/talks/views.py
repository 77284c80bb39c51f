"""Talk and speaker answers as Block Kit. Every catalog or user string goes through escape()."""

from __future__ import annotations

import datetime as dt
import heapq
import json
from typing import Any

from rapidfuzz import fuzz, process

from bot.slack.blocks import (
    MAX_BLOCKS,
    SECTION_TEXT,
    actions,
    button,
    context,
    header,
    section,
)
from bot.slack.mrkdwn import clip, escape, link
from bot.slack.replies import Reply
from bot.talks.catalog_index import CatalogIndex
from bot.talks.query import TalkQuery
from bot.talks.search import COUNT_CAP, SpeakerCard
from bot.talks.service import PAGE_SIZE, SpeakersAnswer, TalksAnswer
from bot.talks.talk_blocks import (
    DETAILED,
    FORMAT_LABELS,
    day_heading,
    details_menu,
    details_view,
    facts,
    link_blocks,
    talk_line,
    talk_text,
    with_follow,
)
from bot.talks.talk_blocks import (  # the action ids, re-exported for the listeners
    DETAILS as DETAILS,
)
from bot.talks.talk_blocks import (
    FOLLOW as FOLLOW,
)
from bot.talks.talk_blocks import (
    SLIDES as SLIDES,
)
from bot.talks.talk_blocks import (
    UNFOLLOW as UNFOLLOW,
)
from bot.talks.talk_blocks import (
    VIDEO as VIDEO,
)
from bot.text import plural
from bot.times import local_format

MORE_TALKS = "talks_more"
SHARE_TALKS = "talks_share"
MORE_SPEAKERS = "speakers_more"
SHARE_SPEAKERS = "speakers_share"
SPEAKERS_PAGE = 5
MAX_OFFSET = 10_000  # far past any catalog; a forged offset must not reach SQL unbounded

EXAMPLES = [
    ("/talks platform-day", "a co-located event or the conference, by slug or name"),
    ("/talks day 1", "a day: `day 1`, `21 march`, `2024-03-21`, `thursday`, `today`"),
    ("/talks speaker abby bangser", "a speaker"),
    ("/talks company syntasso", "a company"),
    ("/talks panels", "a format: {formats}"),
    ("/talks developer experience", "free words, in any order, across titles and summaries"),
    ("/talks platform-day panels", "any of these combined"),
    ("/speakers whitney lee", "a speaker card; a company lists its speakers"),
]
FORMAT_PLURALS = {
    "talk": "talks",
    "lightning": "lightning",
    "panel": "panels",
    "keynote": "keynotes",
    "workshop": "workshops",
}


def _state(text: str, offset: int) -> str:
    return json.dumps({"q": text, "o": offset}, ensure_ascii=False, separators=(",", ":"))


def read_state(value: str) -> tuple[str, int]:
    """The query and offset a More or Share button carries; bad values read as a fresh query."""
    try:
        data = json.loads(value)
        text, offset = data.get("q", ""), int(data.get("o", 0))
    except (ValueError, TypeError, AttributeError, OverflowError):  # OverflowError: 1e400
        return "", 0
    if not isinstance(text, str) or "\x00" in text:
        return "", 0
    return text, min(max(0, offset), MAX_OFFSET)


def _quoted(text: str) -> str:
    return "“" + escape(clip(text, 80)) + "”"


def help_view(answer: TalksAnswer) -> Reply:
    index = answer.index
    blocks = [header("Conference talks")]
    if not index.conferences:
        blocks.append(
            section("The catalog is empty. An organiser can load one with `wgbot import`.")
        )
    lines = []
    for conf in index.conferences.values():
        days = span(conf.starts, conf.ends) if conf.starts and conf.ends else ""
        lines.append(f"*{escape(conf.name)}* (`{escape(conf.slug)}`) {days}: {conf.talks} talks")
        for ev in index.events.values():
            if ev.conference_id == conf.id:
                lines.append(f"  • `{escape(ev.slug)}` {escape(ev.name)}: {ev.talks}")
    _chunked(blocks, lines, limit=MAX_BLOCKS - 3)
    formats = ", ".join(f"`{FORMAT_PLURALS[f]}`" for f in FORMAT_PLURALS if index.formats.get(f))
    tries = "\n".join(f"`{q}`  {why.format(formats=formats)}" for q, why in EXAMPLES)
    blocks.append(section("*Try*\n" + tries))
    blocks.append(
        context(
            "During a conference: `/talks now` (on now), `/talks next` (starting within the "
            "hour), `/talks mine` (the talks you follow; I DM you 10 minutes before each)."
        )
    )
    return Reply("What the talks catalog holds, and how to ask it", blocks)


def _chunked(blocks: list[dict[str, Any]], lines: list[str], limit: int) -> None:
    """Lines into as few sections as fit, saying how many were left out if any must be."""
    chunk: list[str] = []
    size = 0  # len(c) + 1 summed over the chunk
    for n, line in enumerate(lines):
        if size + len(line) > SECTION_TEXT - 100:
            if len(blocks) >= limit:
                chunk.append(f"…and {len(lines) - n} more lines: narrow it with a query.")
                break
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk)))


def _describe(answer: TalksAnswer) -> str:
    """What the query was taken to mean, in words: events, day, people, formats, free text."""
    q, index = answer.query, answer.index
    if q is None:
        return _quoted(answer.text)
    parts = [escape(index.conferences[c].name) for c in sorted(q.conference_ids)]
    parts += [escape(index.events[e].name) for e in sorted(q.event_ids)]
    if q.day_label:
        parts.append(escape(q.day_label))
    if q.speaker:
        parts.append("speaker " + escape(" ".join(q.speaker)))
    if q.company:
        parts.append("company " + escape(" ".join(q.company)))
    parts += [FORMAT_LABELS[f].lower() + "s" for f in sorted(q.formats)]
    if q.words:
        parts.append(_quoted(" ".join(q.words)))
    return ", ".join(parts) or _quoted(answer.text)


def talks_view(answer: TalksAnswer, *, shared_by: str | None = None) -> Reply:
    if answer.kind == "help":
        return help_view(answer)
    if answer.kind == "refused":
        return Reply(escape(answer.message or ""), [section(escape(answer.message or ""))])
    if answer.kind == "details":
        return details_view(answer.page.rows[0] if answer.page and answer.page.rows else None)
    if answer.kind == "none" or answer.page is None:
        return none_view(answer)
    page = answer.page
    first, last = page.offset + 1, page.offset + len(page.rows)
    # past COUNT_CAP the exact number tells a reader nothing: say "1,000+"
    shown = f"{COUNT_CAP:,}+" if page.capped else str(page.total)
    count = f"*{shown} talk{'s' if page.total != 1 else ''}* for {_describe(answer)}"
    if page.total > len(page.rows):
        count += f" · {first}–{last}"
    blocks = []
    if answer.meant:
        blocks.append(
            section(
                f"No exact match for {_quoted(answer.text)}. "
                f"Did you mean *{escape(answer.meant)}*? Showing that:"
            )
        )
    blocks.append(context(count))
    if len(page.rows) <= DETAILED:  # a few talks: each in full, with its Follow button
        for row in page.rows:
            blocks.append(with_follow(section(talk_text(row)), row.id))
            blocks.extend(link_blocks(row))
            blocks.append(context(f"`/talks {row.id}` shows this talk again"))
    else:  # many: one line a talk, grouped by day; details on demand
        by_day: dict[tuple[dt.date | None, str], list[str]] = {}
        table = page.table
        for row in page.rows:
            line = table.line(row, talk_line) if table else talk_line(row)
            by_day.setdefault((row.day, row.timezone), []).append(line)
        for (day, timezone), lines in by_day.items():
            _chunked(blocks, [day_heading(day, timezone), *lines], limit=MAX_BLOCKS - 4)
        blocks.append(actions(details_menu(page.rows)))
    if paging := _buttons(answer.text, page.offset, last < page.total, shared_by, talks=True):
        blocks.append(paging)
    if shared_by:
        blocks.append(
            context(f"Shared by {escape(shared_by)} with `/talks {escape(clip(answer.text, 80))}`")
        )
    fallback = f"{plural_talks(page.total, shown)} for “{escape(clip(answer.text, 80))}”"
    return Reply(fallback, [b for b in blocks if b is not None])


def plural_talks(total: int, shown: str) -> str:
    return f"{shown} talk{'s' if total != 1 else ''}"


def _buttons(
    text: str, offset: int, more: bool, shared_by: str | None, *, talks: bool
) -> dict[str, Any] | None:
    if shared_by:  # a shared copy is read by many; paging it would change it for everyone
        return None
    more_id, share_id = (MORE_TALKS, SHARE_TALKS) if talks else (MORE_SPEAKERS, SHARE_SPEAKERS)
    step = PAGE_SIZE if talks else SPEAKERS_PAGE
    elements = []
    if more:
        elements.append(button("More", more_id, _state(text, offset + step), style="primary"))
    elements.append(button("Share in channel", share_id, _state(text, offset)))
    return actions(*elements)


def none_view(answer: TalksAnswer, today: dt.date | None = None) -> Reply:
    index, q = answer.index, answer.query
    lines = [f"No talks for {_describe(answer)}."]
    for ev in (index.events[e] for e in sorted(q.event_ids if q else ())):
        if ev.talks == 0:
            where = f": its schedule is at {link(ev.url, ev.url or '')}" if ev.url else ""
            lines.append(f"{escape(ev.name)} has no talks in the catalog yet{where}.")
    if q is not None and q.days is not None and (then := _no_conference_then(index, q)):
        lines.append(then)
    tries = " ".join(f"`/talks {escape(slug)}`" for slug in suggestions(index, q))
    lines.append(
        "Try fewer words, `speaker <name>`, `company <name>`"
        + (f", or {tries}" if tries else "")
        + ". `/talks help` shows all the catalog holds."
    )
    return Reply(f"No talks match “{escape(clip(answer.text, 80))}”", [section("\n".join(lines))])


def span(starts: dt.date, ends: dt.date) -> str:
    """'19 Mar – 22 Mar 2024'."""
    return f"{local_format(starts, '%-d %b')} – {local_format(ends, '%-d %b %Y')}"


def _no_conference_then(index: CatalogIndex, q: TalkQuery) -> str | None:
    """Which conference is nearest to the day asked for, when none runs then."""
    days = q.days or set()
    running = [c for c in index.conferences.values() if days & set(c.days())]
    if running:
        return None  # the day is fine: the other filters found nothing
    dated = sorted(
        ((c.starts, c) for c in index.conferences.values() if c.starts), key=lambda sc: sc[0]
    )
    asked = min(days) if days else None
    if not dated or asked is None:
        return "That day is not part of any conference in the catalog."
    after = [(starts, c) for starts, c in dated if starts > asked]
    starts, near = after[0] if after else dated[-1]
    dates = span(starts, near.ends) if near.ends else local_format(starts, "%-d %b %Y")
    which = "The next one is" if after else "The latest was"
    return (
        f"No conference in the catalog runs then. {which} *{escape(near.name)}* ({dates}): "
        f"`/talks {escape(near.slug)}`."
    )


def suggestions(index: CatalogIndex, q: TalkQuery | None, limit: int = 3) -> list[str]:
    """A few events worth trying instead: the closest in name to what was typed, else the
    biggest of the conference asked about, else of the catalog."""
    events = [e for e in index.events.values() if e.talks]
    if q is not None and q.conference_ids:
        events = [e for e in events if e.conference_id in q.conference_ids] or events
    typed = ((q.free_text if q else "") or "").lower()
    close = []
    if typed:  # rapidfuzz ranks them in C: a catalog of hundreds of events costs nothing
        names = {e.slug: e.name.lower() for e in events}
        close = [
            slug
            for _name, _score, slug in process.extract(
                typed, names, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=60
            )
        ]
    biggest = heapq.nlargest(limit, events, key=lambda e: e.talks)
    picked = list(dict.fromkeys([*close, *(e.slug for e in biggest)]))
    return picked[:limit]


def speaker_text(card: SpeakerCard) -> str:
    """A person and their talks, each with the company it was given for."""
    lines = [f"*{escape(card.name)}*"]
    companies = card.talk_companies or [None] * len(card.talks)
    for row, company in list(zip(card.talks, companies, strict=False))[:8]:
        given = f" · for {escape(company)}" if company else ""
        lines.append(f"• {link(row.url, row.title)}{given} · {facts(row, room=False)}")
    if len(card.talks) > 8:
        lines.append(f"…and {len(card.talks) - 8} more: `/talks speaker {escape(card.name)}`")
    return "\n".join(lines)


def speakers_view(
    answer: SpeakersAnswer, offset: int = 0, *, shared_by: str | None = None
) -> Reply:
    if answer.kind == "help":
        text = (
            "Find a speaker by name, or everyone from a company: "
            "`/speakers abby bangser`, `/speakers syntasso`."
        )
        return Reply(text, [section(text)])
    if answer.kind == "refused":
        return Reply(escape(answer.message or ""), [section(escape(answer.message or ""))])
    if answer.kind == "none":
        text = (
            f"No speaker or company matches {_quoted(answer.text)}. Try part of a name "
            "(`/speakers bangser`), a company, or `/talks help` for what the catalog holds."
        )
        return Reply(f"No speaker matches “{escape(clip(answer.text, 80))}”", [section(text)])
    cards = answer.cards[offset : offset + SPEAKERS_PAGE]
    total = len(answer.cards)
    blocks = []
    if answer.meant:
        blocks.append(
            section(
                f"No exact match for {_quoted(answer.text)}. Did you mean *{escape(answer.meant)}*?"
            )
        )
    asked = escape(answer.meant) if answer.meant else _quoted(answer.text)
    count = f"*{plural(total, 'speaker')}* for {asked}"
    if total > len(cards):
        count += f" · {offset + 1}–{offset + len(cards)}"
    blocks.append(context(count))
    blocks += [section(speaker_text(c)) for c in cards]
    more = offset + len(cards) < total
    if paging := _buttons(answer.text, offset, more, shared_by, talks=False):
        blocks.append(paging)
    if shared_by:
        blocks.append(
            context(
                f"Shared by {escape(shared_by)} with `/speakers {escape(clip(answer.text, 80))}`"
            )
        )
    return Reply(
        f"{plural(total, 'speaker')} for “{escape(clip(answer.meant or answer.text, 80))}”",
        [b for b in blocks if b is not None],
    )


def follow_reply(title: str, talk_id: int, following: bool) -> Reply:
    """The private answer to Follow or Unfollow."""
    if not title:
        text = "That talk is no longer in the catalog."
        return Reply(text, [section(text)])
    if not following:
        text = f"You no longer follow *{escape(title)}*."
        return Reply(text, [section(text)])
    text = f"Following *{escape(title)}*: I will DM you if it moves or is withdrawn."
    block = section(text)
    block["accessory"] = button("Unfollow", UNFOLLOW, str(talk_id))
    return Reply(text, [block])
