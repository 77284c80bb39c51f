"""What a meetup owes its channel, and how each of those messages is drawn.

Each transition owes its posts in its own transaction (bot.delivery.channel.owe), and every
change to what a meetup's messages show bumps their version (`changed`); the courier draws
each message from the database when it sends it, through the drawers registered here:

- the call for topics (collect), redrawn as topics arrive, then pointing on to the vote;
- the voting message, redrawn as votes arrive, and with the results once voting closes;
- the agenda, in as many messages as it takes; its first becomes the board when the meeting
  begins, redrawn as the meeting goes;
- reminders before the meetup, and voting's last call (closing.py);
- each timebox's Roman vote, in the board's thread, redrawn as thumbs change;
- the summary, in the board's thread, in as many messages as it takes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.coffee import board_state, closing, meeting_views, taking_part, topics, views
from bot.coffee.names import Names
from bot.coffee.service import CoffeeError, meetup, series_of, settings_of
from bot.delivery import channel
from bot.delivery.channel import Courier, Drawing
from bot.store.models import CoffeeMeetup, CoffeeSeries, CoffeeTimebox, CoffeeTopic

COLLECT = "coffee.collect"
VOTING = "coffee.voting"
AGENDA = "coffee.agenda"  # the agenda; its first message becomes the board
REMINDER = "coffee.reminder"
CLOSING = "coffee.closing"  # voting's last call, an hour before it closes
ROMAN = "coffee.roman"
SUMMARY = "coffee.summary"
POINTER = "Topic collection has closed; voting is open below."


def group(meetup_id: int) -> str:
    """Every message of a meetup that is redrawn in place: one change bumps them all."""
    return f"coffee:{meetup_id}"


def agenda_key(meetup_id: int) -> str:
    return f"{AGENDA}:{meetup_id}"


# ---- owing, in the transaction of the change -------------------------------------------------
def owe_move(db: Session, meetup_id: int, to: str, now: dt.datetime) -> None:
    """A meetup moved to `to`: what it shows changes, and a new message may be owed."""
    g = group(meetup_id)
    channel.changed(db, g)
    kind = {"collecting": COLLECT, "voting": VOTING, "closed": AGENDA}.get(to)
    if kind is not None:
        channel.owe(db, key=f"{kind}:{meetup_id}", kind=kind, ref=str(meetup_id), group=g, now=now)


def owe_reminder(db: Session, meetup_id: int, minutes: int, now: dt.datetime) -> None:
    channel.owe(
        db,
        key=f"{REMINDER}:{meetup_id}:{minutes}",
        kind=REMINDER,
        ref=f"{meetup_id}:{minutes}",
        now=now,
    )


def owe_closing(db: Session, meetup_id: int, minutes: int, now: dt.datetime) -> None:
    channel.owe(
        db, key=f"{CLOSING}:{meetup_id}", kind=CLOSING, ref=f"{meetup_id}:{minutes}", now=now
    )


def owe_roman(db: Session, box_id: int, now: dt.datetime) -> None:
    meetup_id = _meetup_of_box(db, box_id)
    if meetup_id is None:
        return
    channel.owe(
        db,
        key=f"{ROMAN}:{box_id}",
        kind=ROMAN,
        ref=str(box_id),
        group=group(meetup_id),
        thread=agenda_key(meetup_id),
        now=now,
    )
    channel.changed(db, group(meetup_id))


def owe_summary(db: Session, meetup_id: int, now: dt.datetime) -> None:
    channel.owe(
        db,
        key=f"{SUMMARY}:{meetup_id}",
        kind=SUMMARY,
        ref=str(meetup_id),
        thread=agenda_key(meetup_id),
        now=now,
    )
    channel.changed(db, group(meetup_id))


# ---- drawing, at send time -------------------------------------------------------------------
class MeetupPosts:
    def __init__(self, names: Names) -> None:
        self.names = names

    def register(self, courier: Courier) -> None:
        courier.register(COLLECT, _gone_is_none(self.collect), _set_message_ts)
        courier.register(VOTING, _gone_is_none(self.voting), _set_message_ts)
        courier.register(AGENDA, _gone_is_none(self.agenda), _set_agenda_ts)
        courier.register(REMINDER, _gone_is_none(self.reminder))
        courier.register(CLOSING, _gone_is_none(self.closing))
        courier.register(ROMAN, _gone_is_none(self.roman), _set_vote_ts)
        courier.register(SUMMARY, _gone_is_none(self.summary))

    def _message(self, db: Session, s: CoffeeMeetup, series: CoffeeSeries) -> Drawing:
        lines = topics.topics(db, s.id)
        hidden = s.state == "voting" and series.hide_proposers
        names = None if hidden else self.names.of(t.user_id for t in lines)
        reply = views.meetup_message(
            s, series.timezone, lines, names, series.link or "", voters=topics.voters(db, s.id)
        )
        return Drawing(series.channel_id, reply)

    def collect(self, db: Session, ref: str, ts: str) -> Drawing | None:
        s, series = _meetup(db, int(ref))
        if not ts and s.state != "collecting":
            return None  # collection closed before its call could be posted
        if s.state == "collecting" or (s.state == "cancelled" and s.message_ts == ts):
            return self._message(db, s, series)
        return Drawing(series.channel_id, views.plain(POINTER))

    def voting(self, db: Session, ref: str, ts: str) -> Drawing | None:
        s, series = _meetup(db, int(ref))
        return self._message(db, s, series)

    def agenda(self, db: Session, ref: str, ts: str) -> Drawing | None:
        meetup_id, part = _part(ref)
        s, series = _meetup(db, meetup_id)
        if part == 0 and s.meeting:  # the meeting has begun: the first message is the board
            b = board_state.board(db, meetup_id)
            settings = settings_of(series)
            reply = meeting_views.board(
                b, series.timezone, self._board_names(b), settings.link, settings.extensions
            )
            return Drawing(series.channel_id, reply)
        lines = topics.topics(db, meetup_id)
        names = self.names.of({*(t.user_id for t in lines), *([s.host] if s.host else [])})
        hosting = meeting_views.hosting(s.id, s.host, names, series.volunteer_hosts)
        pages = views.agenda(s, series.timezone, lines, names, series.link or "", hosting)
        if part >= len(pages):
            return None
        return Drawing(series.channel_id, pages[part], parts=len(pages))

    def reminder(self, db: Session, ref: str, ts: str) -> Drawing | None:
        meetup_ref, _, minutes = ref.partition(":")
        s, series = _meetup(db, int(meetup_ref))
        lines = topics.topics(db, s.id)
        reply = views.reminder(
            s, series.timezone, int(minutes), len(lines), series.link or "",
            voters=topics.voters(db, s.id),
        )  # fmt: skip
        return Drawing(series.channel_id, reply)

    def closing(self, db: Session, ref: str, ts: str) -> Drawing | None:
        meetup_ref, _, minutes = ref.partition(":")
        s, series = _meetup(db, int(meetup_ref))
        if s.state != "voting":  # voting closed before the call could go: it is too late
            return None
        reply = closing.message(s, series.timezone, int(minutes), topics.voters(db, s.id))
        return Drawing(series.channel_id, reply)

    def roman(self, db: Session, ref: str, ts: str) -> Drawing | None:
        box_id = int(ref)
        meetup_id = _meetup_of_box(db, box_id)
        if meetup_id is None:
            return None
        b = board_state.board(db, meetup_id)
        s, series = _meetup(db, meetup_id)
        extensions = settings_of(series).extensions
        if not ts:  # posted only while its timebox is the one under discussion
            if b.current is None or b.box is None or b.box.id != box_id:
                return None
            reply = meeting_views.roman_vote(
                meetup_id, b.box, b.current, b.next_extension(extensions)
            )
            return Drawing(series.channel_id, reply)
        lines = {
            t.id: t for t in [*b.to_discuss, *b.discussed, *([b.current] if b.current else [])]
        }
        for topic_id, boxes in b.boxes.items():
            for box in boxes:
                if box.id == box_id and topic_id in lines:
                    more = board_state.extension(extensions, box.round)
                    reply = meeting_views.roman_vote(s.id, box, lines[topic_id], more)
                    return Drawing(series.channel_id, reply)
        return None

    def summary(self, db: Session, ref: str, ts: str) -> Drawing | None:
        meetup_id, part = _part(ref)
        _, series = _meetup(db, meetup_id)
        b = board_state.board(db, meetup_id)
        taking = taking_part.people(db, meetup_id)
        names = self._board_names(b, taking)
        pages = meeting_views.summary(b, series.timezone, names, series.link or "", taking)
        if part >= len(pages):
            return None
        return Drawing(series.channel_id, pages[part], parts=len(pages))

    def _board_names(self, b: board_state.Board, also: Iterable[str] = ()) -> dict[str, str]:
        people = {t.user_id for t in [*b.to_discuss, *b.discussed]} | set(also)
        people |= {n.owner for n in b.notes if n.owner}
        if b.current:
            people.add(b.current.user_id)
        people |= {p for p in (b.facilitator, b.host) if p}
        return self.names.of(people)


def _gone_is_none(draw: channel.Draw) -> channel.Draw:
    """A meetup deleted with its series since the post was owed: nothing to send, not an
    error to retry for hours."""

    def drawn(db: Session, ref: str, ts: str) -> Drawing | None:
        try:
            return draw(db, ref, ts)
        except CoffeeError:
            return None

    return drawn


# ---- what the feature keeps of a sent post -----------------------------------------------------
def _set_message_ts(db: Session, ref: str, ts: str) -> None:
    db.execute(update(CoffeeMeetup).where(CoffeeMeetup.id == int(ref)).values(message_ts=ts))


def _set_agenda_ts(db: Session, ref: str, ts: str) -> None:
    meetup_id, part = _part(ref)
    if part == 0:
        db.execute(update(CoffeeMeetup).where(CoffeeMeetup.id == meetup_id).values(agenda_ts=ts))


def _set_vote_ts(db: Session, ref: str, ts: str) -> None:
    db.execute(update(CoffeeTimebox).where(CoffeeTimebox.id == int(ref)).values(vote_ts=ts))


def _part(ref: str) -> tuple[int, int]:
    meetup_ref, _, part = ref.partition(channel.PART)
    return int(meetup_ref), int(part or 0)


def _meetup(db: Session, meetup_id: int) -> tuple[CoffeeMeetup, CoffeeSeries]:
    s = meetup(db, meetup_id)
    return s, series_of(db, s)


def _meetup_of_box(db: Session, box_id: int) -> int | None:
    box = db.get(CoffeeTimebox, box_id)
    topic = db.get(CoffeeTopic, box.topic_id) if box is not None else None
    return topic.meetup_id if topic is not None else None
