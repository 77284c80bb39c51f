"""Talk and speaker answers as Block Kit. Every catalog or user string goes through escape()."""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack.blocks import MAX_BLOCKS, SECTION_TEXT, actions, button, context, header, section
from bot.slack.mrkdwn import clip, escape, link
from bot.slack.replies import Reply
from bot.talks.search import COUNT_CAP, SpeakerCard, TalkRow
from bot.talks.service import SpeakersAnswer, TalksAnswer

FORMAT_LABELS = {
    "talk": "Talk",
    "lightning": "Lightning talk",
    "panel": "Panel",
    "keynote": "Keynote",
    "workshop": "Workshop",
}
MORE_TALKS = "talks_more"
SHARE_TALKS = "talks_share"
MORE_SPEAKERS = "speakers_more"
SHARE_SPEAKERS = "speakers_share"
FOLLOW = "talks_follow"  # value: talk id
UNFOLLOW = "talks_unfollow"
SPEAKERS_PAGE = 5
MAX_OFFSET = 10_000  # far past any catalog; a forged offset must not reach SQL unbounded

EXAMPLES = [
    ("/talks platform-day", "a co-located event or the conference, by slug or name"),
    ("/talks day 2", "a day: `day 2`, `2024-03-21`, `thursday`, `today`, `tomorrow`"),
    ("/talks speaker abby bangser", "a speaker"),
    ("/talks company syntasso", "a company"),
    ("/talks panels", "panels (also `lightning`, `keynotes`, `workshops`)"),
    ("/talks developer experience", "free words, in any order, across titles and summaries"),
    ("/talks platform-day panels day 1", "any of these combined"),
    ("/speakers whitney lee", "a speaker card; a company lists its speakers"),
]


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


@lru_cache(maxsize=4096)  # a schedule has few distinct slots, and every answer formats them
def _when(starts_at: dt.datetime | None, day: dt.date | None, timezone: str) -> str | None:
    if starts_at is not None:
        start = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=dt.UTC)
        return start.astimezone(ZoneInfo(timezone)).strftime("%a %-d %b %Y, %H:%M")
    return day.strftime("%a %-d %b %Y") if day else None


def _facts(row: TalkRow, *, room: bool = True) -> str:
    """'Panel · Platform Engineering Day · Tue 19 Mar 2024', escaped and in italics."""
    when = _when(row.starts_at, row.day, row.timezone)
    facts = [FORMAT_LABELS.get(row.format, row.format.title()), row.event_name, when]
    if room:
        facts.append(row.room)
    return "_" + escape(" · ".join(f for f in facts if f)) + "_"


def talk_text(row: TalkRow) -> str:
    lines = [f"*{link(row.url, row.title)}*"]
    if row.speakers_line:
        lines.append(escape(row.speakers_line))
    lines.append(_facts(row))
    if row.summary:
        lines.append(escape(clip(row.summary, 300)))
    return "\n".join(lines)


def _with_follow(block: dict[str, Any], talk_id: int) -> dict[str, Any]:
    """A Follow button beside a talk: a DM if it moves or is withdrawn."""
    block["accessory"] = button("Follow", FOLLOW, str(talk_id))
    return block


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
        days = f"{conf.starts:%-d %b} – {conf.ends:%-d %b %Y}" if conf.starts and conf.ends else ""
        lines.append(f"*{escape(conf.name)}* (`{escape(conf.slug)}`) {days}: {conf.talks} talks")
        for ev in index.events.values():
            if ev.conference_id == conf.id:
                lines.append(f"  • `{escape(ev.slug)}` {escape(ev.name)}: {ev.talks}")
    _chunked(blocks, lines, limit=MAX_BLOCKS - 3)
    blocks.append(section("*Try*\n" + "\n".join(f"`{q}`  {why}" for q, why in EXAMPLES)))
    return Reply("What the talks catalog holds, and how to ask it", blocks)


def _chunked(blocks: list[dict[str, Any]], lines: list[str], limit: int) -> None:
    """Lines into as few sections as fit, saying how many were left out if any must be."""
    chunk: list[str] = []
    for n, line in enumerate(lines):
        if sum(len(c) + 1 for c in chunk) + len(line) > SECTION_TEXT - 100:
            if len(blocks) >= limit:
                chunk.append(f"…and {len(lines) - n} more lines: narrow it with a query.")
                break
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
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
    if answer.kind == "none" or answer.page is None:
        return none_view(answer)
    page = answer.page
    first, last = page.offset + 1, page.offset + len(page.rows)
    # the count query stops past COUNT_CAP; say so rather than print a made-up 1001
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
    blocks += [_with_follow(section(talk_text(row)), row.id) for row in page.rows]
    blocks.append(_buttons(answer.text, page.offset, last < page.total, shared_by, talks=True))
    if shared_by:
        blocks.append(
            context(f"Shared by {escape(shared_by)} with `/talks {escape(clip(answer.text, 80))}`")
        )
    fallback = f"{shown} talks for “{escape(clip(answer.text, 80))}”"
    return Reply(fallback, [b for b in blocks if b is not None])


def _buttons(
    text: str, offset: int, more: bool, shared_by: str | None, *, talks: bool
) -> dict | None:
    if shared_by:  # a shared copy is read by many; paging it would change it for everyone
        return None
    more_id, share_id = (MORE_TALKS, SHARE_TALKS) if talks else (MORE_SPEAKERS, SHARE_SPEAKERS)
    step = 10 if talks else SPEAKERS_PAGE
    elements = []
    if more:
        elements.append(button("More", more_id, _state(text, offset + step), style="primary"))
    elements.append(button("Share in channel", share_id, _state(text, offset)))
    return actions(*elements)


def none_view(answer: TalksAnswer) -> Reply:
    index, q = answer.index, answer.query
    lines = [f"No talks for {_describe(answer)}."]
    for ev in (index.events[e] for e in sorted(q.event_ids if q else ())):
        if ev.talks == 0:
            where = f": its schedule is at {link(ev.url, ev.url or '')}" if ev.url else ""
            lines.append(f"{escape(ev.name)} has no talks in the catalog yet{where}.")
    if q is not None and q.days == set():
        lines.append("That day is not part of any conference in the catalog.")
    events = ", ".join(f"`{escape(e.slug)}`" for e in index.events.values() if e.talks)
    lines.append(
        "Try fewer words, a speaker (`speaker <name>`), a company (`company <name>`), "
        f"or an event: {events or 'none loaded yet'}. `/talks help` shows all the catalog holds."
    )
    return Reply(f"No talks match “{escape(clip(answer.text, 80))}”", [section("\n".join(lines))])


def speaker_text(card: SpeakerCard) -> str:
    head = f"*{escape(card.name)}*"
    if card.companies:
        head += " · " + escape(", ".join(card.companies))
    lines = [head]
    for row in card.talks[:8]:
        lines.append(f"• {link(row.url, row.title)} {_facts(row, room=False)}")
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
    count = f"*{total} speaker{'s' if total != 1 else ''}* for {_quoted(answer.text)}"
    if total > len(cards):
        count += f" · {offset + 1}–{offset + len(cards)}"
    blocks.append(context(count))
    blocks += [section(speaker_text(c)) for c in cards]
    more = offset + len(cards) < total
    blocks.append(_buttons(answer.text, offset, more, shared_by, talks=False))
    if shared_by:
        blocks.append(
            context(
                f"Shared by {escape(shared_by)} with `/speakers {escape(clip(answer.text, 80))}`"
            )
        )
    return Reply(
        f"{total} speakers for “{escape(clip(answer.text, 80))}”",
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
