"""Lean coffee on schedule, and the channel's messages kept up to date.

`MeetupRunner.tick()` runs from the scheduler every few seconds and once at start: for each
series it makes sure the next meetup exists and moves it to where the clock says it should be.
Each move is a conditional update, and only the caller whose update changed the row owes the
posts it brings (in the same transaction, bot/coffee/posts.py), so a restart, a missed run or a
second clock by mistake never posts twice; a bot down at closing time closes the meetup once
when it comes back. The posts and redraws are delivered by the courier (bot/delivery/channel.py),
drawn from the database when they are sent.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import metrics
from bot.coffee import closing, posts, service
from bot.coffee.board import ChannelMeeting
from bot.coffee.names import Names
from bot.delivery import channel
from bot.delivery.channel import Courier
from bot.store import Store
from bot.store.models import CoffeeSeries
from bot.times import Clock

log = logging.getLogger(__name__)


class MeetupRunner:
    def __init__(self, store: Store, client: WebClient, clock: Clock, courier: Courier) -> None:
        self.store, self.client, self.clock, self.courier = store, client, clock, courier
        self.names = Names(client)
        posts.MeetupPosts(self.names).register(courier)
        self._tick_lock = threading.Lock()
        # the meeting: board, Roman votes, summary
        self.channel_meeting = ChannelMeeting(store, client, clock, courier)

    # ---- the schedule ----------------------------------------------------------------------
    def tick(self) -> int:
        """Advance every series, then the meetings (begun at their start, timeboxes run out),
        then deliver what that owed; returns how many meetups changed state before their
        meetings."""
        with self._tick_lock:
            with self.store.session() as db:
                ids = db.scalars(select(CoffeeSeries.id)).all()
            moved = sum(self.advance(series_id) for series_id in ids)
            # an agenda just owed is in the channel before its meeting may begin on it
            self.courier.drain(wait=True)
            if self.channel_meeting.tick():
                self.courier.drain(wait=True)
            return moved

    def advance(self, series_id: int) -> bool:
        now = self.clock()
        with self.store.session() as db:
            series = db.get(CoffeeSeries, series_id)
            if series is None:
                return False
            s = service.ensure_next_meetup(db, series, now)
            target = service.due_state(s, now)
            meetup_id, moved = s.id, False
            if service.ORDER[target] <= service.ORDER.get(s.state, 9):
                reminder = service.claim_reminder(db, s, service.reminders_of(series), now)
                if reminder is not None:  # this caller's update claimed it: owed once
                    posts.owe_reminder(db, meetup_id, reminder, now)
                    metrics.COFFEE_TRANSITIONS.labels("reminded").inc()
                last_call = closing.claim(db, s, service.reminders_of(series), now)
                if last_call is not None:  # claimed by this caller's update: owed once
                    posts.owe_closing(db, meetup_id, last_call, now)
            else:
                self.changed(db, s.id)  # before the move: the courier's lock order
                moved = service.move(db, s.id, target)
                if moved:
                    posts.owe_move(db, meetup_id, target, now)
        if moved:
            self._moved(series_id, target)
        return moved

    def move_by_hand(self, meetup_id: int, to: str) -> bool:
        """An organiser opens, starts voting, closes or cancels early. The clock only moves
        meetups forward, so it never undoes this."""
        with self.store.session() as db:
            self.changed(db, meetup_id)  # before the move: the courier's lock order
            moved = service.move(db, meetup_id, to, by_hand=True)
            series_id = service.meetup(db, meetup_id).series_id if moved else 0
            if moved:
                posts.owe_move(db, meetup_id, to, self.clock())
        if moved:
            self._moved(series_id, to)
            self.courier.nudge()
        return moved

    def _moved(self, series_id: int, to: str) -> None:
        """After the one caller moved a meetup: the next meetup once it is closed or
        cancelled."""
        metrics.COFFEE_TRANSITIONS.labels(to).inc()
        if to in ("closed", "cancelled"):
            with self.store.session() as db:
                service.next_after_finish(db, series_id, self.clock())

    # ---- notes ------------------------------------------------------------------------------
    def tell(
        self, meetup_id: int, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """A private note in the meetup's channel to one person (a proposer, about their topic)."""
        try:
            with self.store.session() as db:
                channel = service.series_of(db, service.meetup(db, meetup_id)).channel_id
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
        except Exception:
            log.exception("could not tell %s about lean coffee %s", user_id, meetup_id)

    # ---- the channel's messages ------------------------------------------------------------------
    def changed(self, db: Session, meetup_id: int) -> None:
        """What the meetup's messages show has changed (a vote, a topic, a thumb): each owes a
        redraw, in the change's own transaction, so a process killed right after the commit
        still leaves it owed. The courier sends it at most once per throttle, whichever
        process asks; `nudge()` after the commit asks this process's courier at once.

        Call it first in the transaction, before the change: a courier recording a post
        locks its channel_messages row, then the meetup's (its ts); locking in the same
        order keeps PostgreSQL from finding the two deadlocked."""
        channel.changed(db, posts.group(meetup_id))

    def nudge(self) -> None:
        self.courier.nudge()
