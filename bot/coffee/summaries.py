"""A past meeting's summary on demand: `/coffee summary [date]` (privately, in Slack),
`/coffee summary markdown [date]` (the Markdown for the meeting notes, privately, to copy) and
`wgbot coffee export CHANNEL [--date D]` (the same Markdown, on the server)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.coffee import board_state, meeting_views, summary_markdown, taking_part
from bot.coffee.meeting import ENDED
from bot.coffee.names import Names
from bot.coffee.service import CoffeeError, series_for
from bot.config import Settings
from bot.slack.blocks import BLOCKS_TEXT, SECTION_TEXT, context, section
from bot.slack.clients import make_client
from bot.slack.dates import date_token, local
from bot.slack.mrkdwn import escape
from bot.slack.replies import Reply
from bot.store import Store
from bot.store.models import CoffeeMeetup, CoffeeSeries

EXAMPLE = "`/coffee summary 24 march`"
MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH = r"([a-z]+)\.?"
_YEAR = r"(?:,?\s+(\d{4}))?"
_DAY_MONTH = re.compile(rf"{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}")
_MONTH_DAY = re.compile(rf"{_MONTH}\s+{_DAY}{_YEAR}")


@dataclass(frozen=True)
class Day:
    """A day as people write it: the year may be left out (then the latest such day)."""

    month: int
    day: int
    year: int | None = None

    def matches(self, day: dt.date) -> bool:
        same = (day.month, day.day) == (self.month, self.day)
        return same and (self.year is None or day.year == self.year)

    def said(self) -> str:
        if self.year is not None:
            return dt.date(self.year, self.month, self.day).isoformat()
        return dt.date(2000, self.month, self.day).strftime("%-d %B")


def parse_day(text: str) -> Day | None:
    """`` or `last` (None: the latest meeting that ended), `2026-03-24`, `24 march`,
    `march 24`, `24 mar 2026`; CoffeeError with an example otherwise."""
    words = " ".join(text.lower().split())
    if words in ("", "last", "latest"):
        return None
    found: Day | None = None
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", words):
        y, mo, d = (int(p) for p in words.split("-"))
        found = Day(mo, d, y)
    else:
        for pattern, day_first in ((_DAY_MONTH, True), (_MONTH_DAY, False)):
            m = pattern.fullmatch(words)
            if m:
                day_s, month_s = (m.group(1), m.group(2)) if day_first else (m.group(2), m.group(1))
                month = MONTHS.get(month_s)
                if month is not None:
                    found = Day(month, int(day_s), int(m.group(3)) if m.group(3) else None)
                break
    if found is not None:
        try:  # 31 February is no day; a leap day is checked on a leap year
            dt.date(found.year or 2000, found.month, found.day)
            return found
        except ValueError:
            pass
    raise CoffeeError(f"I could not read “{text[:30]}” as a date; try {EXAMPLE} (or `last`).")


def find(db: Session, series: CoffeeSeries, on: Day | None) -> CoffeeMeetup | None:
    """The latest meeting that ended (no day given), or the latest held on that local day."""
    query = select(CoffeeMeetup).where(CoffeeMeetup.series_id == series.id)
    query = query.where(CoffeeMeetup.meeting == ENDED if on is None else CoffeeMeetup.meeting != "")
    zone = ZoneInfo(series.timezone)
    for s in db.scalars(query.order_by(CoffeeMeetup.starts_at.desc())).all():
        if on is None or on.matches(board_state.aware(s.starts_at).astimezone(zone).date()):
            return s
    return None


def _find(db: Session, channel_id: str, on: Day | None) -> tuple[CoffeeSeries, int]:
    series = series_for(db, channel_id)
    if series is None:
        raise CoffeeError("No lean coffee is set up in this channel yet.")
    s = find(db, series, on)
    if s is None:
        if on is None:
            raise CoffeeError("No lean coffee meeting has ended here yet.")
        raise CoffeeError(f"No lean coffee meeting was held here on {on.said()}.")
    return series, s.id


def _people(b: board_state.Board, taking: list[str]) -> set[str]:
    people = {t.user_id for t in [*b.discussed, *b.to_discuss]}
    if b.current:
        people.add(b.current.user_id)
    return people | {n.owner for n in b.notes if n.owner} | set(taking)


def summary_reply(
    db: Session, names: Names, channel_id: str, rest: str, now: dt.datetime | None = None
) -> Reply:
    """`/coffee summary [markdown] [date]`, answered privately (`now` is not needed: a day
    without its year is the latest such day a meeting was held)."""
    word, _, after = rest.strip().partition(" ")
    if word.lower() in ("markdown", "md"):
        return markdown_reply(db, names, channel_id, after)
    try:
        series, meetup_id = _find(db, channel_id, parse_day(rest))
    except CoffeeError as exc:
        return meeting_views.plain_reply(str(exc))
    b = board_state.board(db, meetup_id)
    taking = taking_part.people(db, meetup_id)
    pages = meeting_views.summary(
        b, series.timezone, names.of(_people(b, taking)), series.link or "", taking
    )
    first = pages[0]
    if len(pages) > 1:  # a private answer is one message: the rest is in the meeting's thread
        blocks = [*first.blocks[:-1], meeting_views.more_in_thread()]
        return Reply(first.text, blocks)
    return first


# room for each code block's fences, and for the heading and the note around them
_FENCES = 8
_AROUND = 600


def markdown_reply(db: Session, names: Names, channel_id: str, rest: str) -> Reply:
    """The Markdown privately, in code blocks to copy (a block holds 3,000 characters, a
    message 12,000: a longer summary is cut at a line, with a note). Not a file: uploading
    one needs the files:write scope, and a file cannot be shown to one person alone."""
    try:
        series, meetup_id = _find(db, channel_id, parse_day(rest))
        b = board_state.board(db, meetup_id)
        taking = taking_part.people(db, meetup_id)
        text = summary_markdown.markdown(
            b, names.of(_people(b, taking)), local(b.starts_at, series.timezone), taking
        )
    except CoffeeError as exc:
        return meeting_views.plain_reply(str(exc))
    when = date_token(b.starts_at, series.timezone)
    blocks: list[dict[str, Any]] = [
        section(f"*The summary of {when} as Markdown*, for the meeting notes: copy it below.")
    ]
    chunks, cut = code_chunks(text, BLOCKS_TEXT - _AROUND)
    blocks += [section(f"```{chunk}```") for chunk in chunks]
    if cut:
        blocks.append(
            context(
                f"{cut} more line{'s' if cut != 1 else ''} did not fit one Slack message: "
                "an organiser can print the whole with `wgbot coffee export` on the server."
            )
        )
    return Reply(f"The summary of {local(b.starts_at, series.timezone)} as Markdown", blocks)


def code_chunks(text: str, budget: int) -> tuple[list[str], int]:
    """The text (escaped for mrkdwn) in pieces of whole lines, each fitting a section with
    its fences, together at most `budget` characters; and how many lines were left out."""
    lines = escape(text.rstrip("\n")).split("\n")
    chunks: list[list[str]] = [[]]
    size = used = 0
    for n, line in enumerate(lines):
        line = line[: SECTION_TEXT - _FENCES - 1]  # no Markdown line here is this long
        cost = len(line) + 1
        if used + cost + _FENCES > budget:
            return ["\n".join(c) for c in chunks if c], len(lines) - n
        if chunks[-1] and size + cost + _FENCES > SECTION_TEXT:
            chunks.append([])
            size = 0
            used += _FENCES
        chunks[-1].append(line)
        size += cost
        used += cost
    return ["\n".join(c) for c in chunks if c], 0


def export(db: Session, names: Names | None, channel_id: str, on: Day | None) -> str:
    """The summary as Markdown; raises CoffeeError with a reason when there is none."""
    series, meetup_id = _find(db, channel_id, on)
    b = board_state.board(db, meetup_id)
    taking = taking_part.people(db, meetup_id)
    known = names.of(_people(b, taking)) if names is not None else {}
    return summary_markdown.markdown(b, known, local(b.starts_at, series.timezone), taking)


def export_text(settings: Settings, channel_id: str, on: str) -> str:
    """`wgbot coffee export`: names come from Slack when a bot token is configured."""
    store = Store(settings.db_url)
    try:
        names = Names(make_client(settings)) if settings.slack_bot_token else None
        with store.session() as db:
            return export(db, names, channel_id, parse_day(on))
    finally:
        store.dispose()
