"""A past meeting's summary on demand: `/coffee summary [date]` (privately, in Slack) and
`wgbot coffee export CHANNEL [--date D]` (Markdown for the group's meeting notes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bot.coffee import board_state, meeting_views
from bot.coffee.names import Names
from bot.coffee.service import CoffeeError, series_for
from bot.config import Settings
from bot.slack.clients import make_client
from bot.slack.dates import local
from bot.slack.replies import Reply
from bot.store import Store
from bot.store.models import CoffeeSeries


def _people(b: board_state.Board) -> set[str]:
    people = {t.user_id for t in [*b.discussed, *b.to_discuss]}
    if b.current:
        people.add(b.current.user_id)
    return people | {n.owner for n in b.notes if n.owner}


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CoffeeError(f"“{text[:30]}” is not a date; write it like 2026-12-08.") from None


def _find(db: Session, channel_id: str, on: dt.date | None) -> tuple[CoffeeSeries, int]:
    series = series_for(db, channel_id)
    if series is None:
        raise CoffeeError("No lean coffee is set up in this channel yet.")
    s = board_state.find(db, series.id, on, series.timezone)
    if s is None:
        when = f" on {on.isoformat()}" if on else ""
        raise CoffeeError(f"No lean coffee meeting was held here{when}.")
    return series, s.id


def summary_reply(db: Session, names: Names, channel_id: str, rest: str, now: dt.datetime) -> Reply:
    try:
        series, session_id = _find(db, channel_id, _date(rest))
    except CoffeeError as exc:
        return meeting_views.plain_reply(str(exc))
    b = board_state.board(db, session_id)
    pages = meeting_views.summary(b, series.timezone, names.of(_people(b)), series.link or "")
    first = pages[0]
    if len(pages) > 1:  # a private answer is one message: the rest is in the meeting's thread
        blocks = [*first.blocks[:-1], meeting_views.more_in_thread()]
        return Reply(first.text, blocks)
    return first


def export(db: Session, names: Names | None, channel_id: str, on: dt.date | None) -> str:
    """The summary as Markdown; raises CoffeeError with a reason when there is none."""
    series, session_id = _find(db, channel_id, on)
    b = board_state.board(db, session_id)
    known = names.of(_people(b)) if names is not None else {}
    return meeting_views.markdown(b, known, local(b.starts_at, series.timezone))


def export_text(settings: Settings, channel_id: str, on: str) -> str:
    """`wgbot coffee export`: names come from Slack when a bot token is configured."""
    store = Store(settings.db_url)
    try:
        names = Names(make_client(settings)) if settings.slack_bot_token else None
        with store.session() as db:
            return export(db, names, channel_id, _date(on))
    finally:
        store.dispose()
