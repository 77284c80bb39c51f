"""Lean coffee on schedule, and the channel message kept up to date.

`MeetupRunner.tick()` runs from the scheduler every few seconds and once at start: for each
series it makes sure the next meetup exists and moves it to where the clock says it should be.
Each move is a conditional update, and only the caller whose update changed the row posts, so
a restart, a missed run or a second clock by mistake never posts twice; a bot that was down at
closing time closes the meetup once when it comes back.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.coffee import service, topics, views
from bot.coffee.board import MeetingDesk
from bot.coffee.names import Names
from bot.runtime import metrics
from bot.slack.replies import Reply
from bot.store import Store
from bot.store.models import CoffeeMeetup, CoffeeSeries
from bot.times import Clock

log = logging.getLogger(__name__)


class MeetupRunner:
    def __init__(
        self,
        store: Store,
        client: WebClient,
        clock: Clock,
        *,
        redraw_delay: float = 1.5,
    ) -> None:
        self.store, self.client, self.clock = store, client, clock
        self.redraw_delay = redraw_delay
        self.names = Names(client)
        # what else a meetup's message shows, as last read with it
        self._links: dict[int, str] = {}
        self._unnamed: dict[int, bool] = {}
        self._voters: dict[int, int] = {}
        # redraws waiting on their timer, and how many are running now: wait_idle() and
        # flush() watch both, so a shutdown or a test knows when the channel is up to date
        self._pending: dict[int, threading.Timer] = {}
        self._drawn_at: dict[int, float] = {}  # when each meetup's last redraw finished
        self._running = 0
        self._lock = threading.Condition()
        self._tick_lock = threading.Lock()
        self._redraw_lock = threading.Lock()
        self.desk = MeetingDesk(self)  # the meeting: board, Roman votes, summary

    # ---- the schedule ----------------------------------------------------------------------
    def tick(self) -> int:
        """Advance every series, then the meetings (begun at their start, timeboxes run out);
        returns how many meetups changed state before their meetings."""
        with self._tick_lock:
            with self.store.session() as db:
                ids = db.scalars(select(CoffeeSeries.id)).all()
            moved = sum(self.advance(series_id) for series_id in ids)
            self.desk.tick()
            return moved

    def advance(self, series_id: int) -> bool:
        now = self.clock()
        with self.store.session() as db:
            series = db.get(CoffeeSeries, series_id)
            if series is None:
                return False
            s = service.ensure_next_session(db, series, now)
            target = service.due_state(s, now)
            if service.ORDER[target] <= service.ORDER.get(s.state, 9):
                reminder = service.claim_reminder(db, s, service.reminders_of(series), now)
                session_id = s.id
                moved = False
            else:
                moved = service.move(db, s.id, target)
                session_id, reminder = s.id, None
        if reminder is not None:  # this caller's update claimed it: post it, once
            self.post_reminder(session_id, reminder)
        if moved:
            self._moved(series_id, session_id, target)
        return moved

    def move_by_hand(self, session_id: int, to: str) -> bool:
        """An organiser opens, starts voting, closes or cancels early. The clock only moves
        meetups forward, so it never undoes this."""
        with self.store.session() as db:
            moved = service.move(db, session_id, to, by_hand=True)
            series_id = service.meetup(db, session_id).series_id if moved else 0
        if moved:
            self._moved(series_id, session_id, to)
        return moved

    def _moved(self, series_id: int, session_id: int, to: str) -> None:
        """After the one caller moved a meetup: its message, and the next meetup once it is
        closed or cancelled."""
        metrics.COFFEE_TRANSITIONS.labels(to).inc()
        self.announce(session_id, to)
        if to in ("closed", "cancelled"):
            with self.store.session() as db:
                service.next_after_finish(db, series_id, self.clock())

    # ---- posting -----------------------------------------------------------------------------
    def _read(self, session_id: int) -> tuple[CoffeeMeetup, str, str, list[topics.TopicLine]]:
        with self.store.session() as db:
            s = service.meetup(db, session_id)
            series = service.series_of(db, s)
            lines = topics.topics(db, session_id)
            db.expunge(s)
            self._links[session_id] = series.link or ""
            self._unnamed[session_id] = series.hide_proposers
            self._voters[session_id] = topics.voters(db, session_id)
            return s, series.channel_id, series.timezone, lines

    def announce(self, session_id: int, state: str) -> None:
        try:
            s, channel, tz, lines = self._read(session_id)
            names = self.names.of(t.user_id for t in lines)
            if state == "collecting":
                self.save(
                    session_id,
                    message_ts=self._post(
                        channel,
                        self._message(session_id, s, tz, lines, names),
                    ),
                )
            elif state == "voting":
                if s.message_ts:  # the collection message points on to the vote
                    self.client.chat_update(
                        channel=channel,
                        ts=s.message_ts,
                        text="Topic collection has closed; voting is open below.",
                        blocks=views.plain(
                            "Topic collection has closed; voting is open below."
                        ).blocks,
                    )
                message = self._message(session_id, s, tz, lines, names)
                self.save(session_id, message_ts=self._post(channel, message))
            elif state == "closed":
                self.redraw(session_id, delay=0)
                first = ""
                for page in views.agenda(s, tz, lines, names, self._links.get(session_id, "")):
                    first = first or self._post(channel, page)
                self.save(session_id, agenda_ts=first)
            elif state == "cancelled":
                self.redraw(session_id, delay=0)
        except Exception:
            log.exception("could not announce lean coffee %s as %s", session_id, state)

    def _message(
        self,
        session_id: int,
        s: CoffeeMeetup,
        tz: str,
        lines: list[topics.TopicLine],
        names: dict[str, str],
    ) -> Reply:
        hidden = s.state == "voting" and self._unnamed.get(session_id, False)
        return views.session_message(
            s,
            tz,
            lines,
            None if hidden else names,
            self._links.get(session_id, ""),
            voters=self._voters.get(session_id, 0),
        )

    def post_reminder(self, session_id: int, minutes: int) -> None:
        try:
            s, channel, tz, lines = self._read(session_id)
            reply = views.reminder(s, tz, minutes, len(lines), self._links.get(session_id, ""))
            self._post(channel, reply)
            metrics.COFFEE_TRANSITIONS.labels("reminded").inc()
        except Exception:
            log.exception("could not remind about lean coffee %s", session_id)

    def tell(self, session_id: int, user_id: str, text: str, blocks: list | None = None) -> None:
        """A private note in the meetup's channel to one person (a proposer, about their topic)."""
        try:
            with self.store.session() as db:
                channel = service.series_of(db, service.meetup(db, session_id)).channel_id
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
        except Exception:
            log.exception("could not tell %s about lean coffee %s", user_id, session_id)

    def _post(self, channel: str, reply: Reply) -> str:
        return self.client.chat_postMessage(
            channel=channel, text=reply.text, blocks=reply.blocks, unfurl_links=False
        )["ts"]

    def save(self, session_id: int, **values: str) -> None:
        with self.store.session() as db:
            db.execute(update(CoffeeMeetup).where(CoffeeMeetup.id == session_id).values(**values))

    def redraw(self, session_id: int, delay: float | None = None) -> None:
        """Bring the channel message up to date, at most once per `redraw_delay`: a burst of
        votes becomes one chat.update, well inside its rate limit."""
        wait = self.redraw_delay if delay is None else delay
        with self._lock:
            last = self._drawn_at.get(session_id)
            if delay is None and wait > 0 and last is not None:
                # and never sooner than that after the last redraw finished
                wait = max(wait, self.redraw_delay - (time.monotonic() - last))
            if wait > 0:
                if session_id not in self._pending:
                    self._later(session_id, wait)
                return
            self._running += 1
        self._redraw_now(session_id)

    def _later(self, session_id: int, wait: float) -> None:
        """Redraw this meetup's message in `wait` seconds (the caller holds the lock)."""
        timer = threading.Timer(wait, self._redraw_due, args=(session_id,))
        timer.daemon = True
        self._pending[session_id] = timer
        timer.start()

    def _redraw_due(self, session_id: int) -> None:
        with self._lock:
            if self._pending.pop(session_id, None) is None:
                return  # flush() drew it already
            last = self._drawn_at.get(session_id)
            early = self.redraw_delay - (time.monotonic() - last) if last is not None else 0
            if early > 0:  # a redraw running when this was asked for finished since: wait on
                self._later(session_id, early)
                return
            self._running += 1
        self._redraw_now(session_id)

    def _redraw_now(self, session_id: int) -> None:
        """Draw one meetup's message; the caller counted it in `_running`."""
        try:
            # one redraw at a time: a redraw that read the database earlier can never land
            # after one that read it later and put an older list back
            with self._redraw_lock:
                self._redraw_locked(session_id)
        finally:
            with self._lock:
                self._drawn_at[session_id] = time.monotonic()
                self._running -= 1
                if not self._running and not self._pending:
                    self._lock.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """True once no redraw is waiting on its timer or running; False if `timeout` ran out."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._pending and not self._running, timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Draw every redraw still waiting on its timer now, then wait until none is running:
        on shutdown, the channel is left showing the last votes."""
        with self._lock:
            due = list(self._pending.items())
            self._pending.clear()
            for _, timer in due:
                timer.cancel()
            self._running += len(due)
        for session_id, _ in due:
            self._redraw_now(session_id)
        return self.wait_idle(timeout)

    def _redraw_locked(self, session_id: int) -> None:
        try:
            with self.store.session() as db:
                meeting = db.scalar(
                    select(CoffeeMeetup.meeting).where(CoffeeMeetup.id == session_id)
                )
            if meeting:  # the agenda has become the board
                self.desk.draw(session_id)
                return
            s, channel, tz, lines = self._read(session_id)
            if not s.message_ts:
                return
            names = self.names.of(t.user_id for t in lines)
            reply = self._message(session_id, s, tz, lines, names)
            self.client.chat_update(
                channel=channel, ts=s.message_ts, text=reply.text, blocks=reply.blocks
            )
        except Exception:
            log.exception("could not redraw lean coffee %s", session_id)
