"""Actions that outlive their meeting: `/coffee actions` lists the actions (and takeaways
with an owner) still open from the channel's past meetups, privately, each with a **Done**
button for its owner or an organiser. Marking one done is a conditional update: two clicks
mark it once, and the list says who did."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.coffee.board_state import aware
from bot.coffee.meeting import ENDED
from bot.coffee.service import CoffeeError, rowcount, series_for
from bot.slack.blocks import MAX_BLOCKS, button, context, section
from bot.slack.dates import date_token
from bot.slack.mrkdwn import clip, escape
from bot.slack.replies import Reply
from bot.store.models import CoffeeMeetup, CoffeeSeries, CoffeeTakeaway, CoffeeTopic

DONE = "coffee_action_done"  # value: the takeaway's id
SHOWN = MAX_BLOCKS - 3  # actions in one answer, around its heading and notes


@dataclass(frozen=True)
class OpenAction:
    id: int
    kind: str
    text: str
    owner: str
    topic: str
    starts_at: dt.datetime


def open_actions(db: Session, channel_id: str) -> tuple[CoffeeSeries, list[OpenAction]]:
    """The channel's open actions from meetings that ended, newest meeting first."""
    series = series_for(db, channel_id)
    if series is None:
        raise CoffeeError("No lean coffee is set up in this channel yet.")
    rows = db.execute(
        select(CoffeeTakeaway, CoffeeTopic.title, CoffeeMeetup.starts_at)
        .join(CoffeeTopic, CoffeeTopic.id == CoffeeTakeaway.topic_id)
        .join(CoffeeMeetup, CoffeeMeetup.id == CoffeeTakeaway.meetup_id)
        .where(
            CoffeeMeetup.series_id == series.id,
            CoffeeMeetup.meeting == ENDED,
            CoffeeTakeaway.done_at.is_(None),
            # what is still to do: actions, and takeaways someone took on (they have an owner)
            or_(CoffeeTakeaway.kind == "action", CoffeeTakeaway.owner != ""),
        )
        .order_by(CoffeeMeetup.starts_at.desc(), CoffeeTakeaway.id)
    ).all()
    return series, [
        OpenAction(n.id, n.kind, n.text, n.owner, title, aware(starts)) for n, title, starts in rows
    ]


def owner_and_channel(db: Session, takeaway_id: int) -> tuple[str, str] | None:
    """An action's owner and its meetup's channel; None when it is gone."""
    row = db.execute(
        select(CoffeeTakeaway.owner, CoffeeSeries.channel_id)
        .join(CoffeeMeetup, CoffeeMeetup.id == CoffeeTakeaway.meetup_id)
        .join(CoffeeSeries, CoffeeSeries.id == CoffeeMeetup.series_id)
        .where(CoffeeTakeaway.id == takeaway_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def mark_done(db: Session, takeaway_id: int, by: str, now: dt.datetime) -> bool:
    """True for the one click that marked it; an action done already stays as it was."""
    changed = db.execute(
        update(CoffeeTakeaway)
        .where(CoffeeTakeaway.id == takeaway_id, CoffeeTakeaway.done_at.is_(None))
        .values(done_at=now, done_by=by)
    )
    return rowcount(changed) == 1


def listing(
    series: CoffeeSeries, found: list[OpenAction], names: dict[str, str], note: str = ""
) -> Reply:
    """The open actions, privately: each with its owner (a name: nobody is pinged), the
    meeting and topic it came from, and a Done button."""
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append(context(note))
    if not found:
        text = "No open actions from past lean coffees here: all done, or none were noted."
        return Reply(text, [*blocks, section(text)])
    count = f"{len(found)} open action{'s' if len(found) != 1 else ''}"
    blocks.append(section(f"*{count} from past lean coffees*"))
    for a in found[:SHOWN]:
        owner = escape(names.get(a.owner, a.owner)) if a.owner else "nobody yet"
        label = "Action" if a.kind == "action" else "Takeaway"
        block = section(
            f"• _{label}:_ {escape(clip(a.text, 1500))}\n"
            f"      Owner: *{owner}* · {date_token(a.starts_at, series.timezone)} · "
            f"on “{escape(clip(a.topic, 120))}”"
        )
        block["accessory"] = button("Done", DONE, str(a.id))
        blocks.append(block)
    if len(found) > SHOWN:
        blocks.append(context(f"{len(found) - SHOWN} older ones: mark some done to see them."))
    blocks.append(context("The owner or an organiser marks an action done."))
    return Reply(count, blocks)
