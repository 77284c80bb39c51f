"""The meeting in the channel: the board (the agenda message, redrawn in place), each timebox's
Roman vote in its thread, and the summary posted there when the meeting ends.

The clock's tick begins meetings whose start time has come and posts the Roman vote of each
timebox that ran out; both are claimed by a conditional update first (meeting.py), so a restart
or a second clock never posts twice. Redraws go through the clock's throttle: one meetup's board
and open vote are drawn together, at most once per redraw delay, and a message whose content did
not change is not sent again.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.coffee import board_state, meeting, meeting_views
from bot.coffee.service import settings_of
from bot.runtime import metrics
from bot.slack.replies import Reply
from bot.store.models import CoffeeMeetup, CoffeeSeries, CoffeeTimebox, CoffeeTopic

if TYPE_CHECKING:
    from bot.coffee.runner import MeetupRunner

log = logging.getLogger(__name__)


class MeetingDesk:
    def __init__(self, clock: MeetupRunner) -> None:
        self.clock = clock
        self._drawn: dict[str, str] = {}  # message ts -> what it shows now
        self._workspace_url = ""

    # ---- what the clock's tick does ----------------------------------------------------------
    def tick(self) -> int:
        """Begin the meetings that are due and post the votes of timeboxes that ran out."""
        now, store = self.clock.clock(), self.clock.store
        with store.session() as db:
            due = meeting.due_to_begin(db, now)
        began = sum(self.begin(session_id, "") for session_id in due)
        with store.session() as db:
            expired = meeting.expire_due(db, now)
        for box_id in expired:
            self.post_vote(box_id)
        with store.session() as db:
            over = meeting.due_to_end(db, now)
        ended = sum(self.finish(session_id) for session_id in over)  # each ends once
        return began + len(expired) + ended

    def begin(self, session_id: int, by: str) -> bool:
        with self.clock.store.session() as db:
            older = meeting.older_running(db, session_id)
        for old in older:  # the series' previous meeting, still on: it ends first
            self.finish(old)
        with self.clock.store.session() as db:
            began = meeting.begin(db, session_id, by, self.clock.clock())
        if began:
            metrics.COFFEE_TRANSITIONS.labels("meeting").inc()
        self.clock.redraw(session_id, delay=0)
        return began

    def post_vote(self, box_id: int) -> None:
        try:
            with self.clock.store.session() as db:
                box = db.get(CoffeeTimebox, box_id)
                assert box is not None
                b = board_state.board(db, _session_of_topic(db, box.topic_id))
                s, series = _meetup(db, b.session_id)
                extensions = settings_of(series).extensions
                channel, thread = series.channel_id, s.agenda_ts
            if b.current is None or b.box is None or b.box.id != box_id:
                return  # the meeting moved on meanwhile
            reply = meeting_views.roman_vote(
                b.session_id, b.box, b.current, b.next_extension(extensions)
            )
            ts = self._post(channel, reply, thread)
            with self.clock.store.session() as db:
                row = db.get(CoffeeTimebox, box_id)
                if row is not None:
                    row.vote_ts = ts
            metrics.COFFEE_TRANSITIONS.labels("timebox_expired").inc()
            self.clock.redraw(b.session_id, delay=0)
        except Exception:
            log.exception("could not post the Roman vote of timebox %s", box_id)

    # ---- the end ----------------------------------------------------------------------------
    def finish(self, session_id: int) -> bool:
        """End the meeting; the one caller that ended it carries and posts the summary."""
        now = self.clock.clock()
        workspace = self._workspace()
        with self.clock.store.session() as db:
            ended = meeting.end(db, session_id, now)
            if ended:  # carried topics and proposers' DMs owed with the end itself
                meeting.after_end(db, session_id, now, workspace)
        if not ended:
            return False
        metrics.COFFEE_TRANSITIONS.labels("meeting_ended").inc()
        self.clock.redraw(session_id, delay=0)
        try:
            with self.clock.store.session() as db:
                b = board_state.board(db, session_id)
                s, series = _meetup(db, session_id)
                channel, thread, tz, url = (
                    series.channel_id, s.agenda_ts, series.timezone, series.link or "",
                )  # fmt: skip
            names = self._names(b)
            for page in meeting_views.summary(b, tz, names, url):
                self._post(channel, page, thread)
        except Exception:
            log.exception("could not post the summary of lean coffee %s", session_id)
        return True

    def _workspace(self) -> str:
        """The workspace's address (auth.test's url), for links to messages: asked once;
        empty while Slack does not say, and the links then open the channel instead."""
        if not self._workspace_url:
            try:
                self._workspace_url = str(self.clock.client.auth_test().get("url") or "")
            except Exception:
                log.warning("auth.test failed: links to the summary open its channel")
        return self._workspace_url

    # ---- drawing ------------------------------------------------------------------------------
    def draw(self, session_id: int) -> None:
        """The board, and the Roman votes of the topic under discussion and the one just
        discussed (a vote settled by Extend or Move on says so), under the clock's redraw lock."""
        with self.clock.store.session() as db:
            b = board_state.board(db, session_id)
            s, series = _meetup(db, session_id)
            settings = settings_of(series)
            channel, board_ts, tz = series.channel_id, s.agenda_ts, series.timezone
        reply = meeting_views.board(b, tz, self._names(b), settings.link, settings.extensions)
        if board_ts:
            self._update(channel, board_ts, reply)
        else:  # the agenda never reached the channel: the board is posted instead
            self.clock.save(session_id, agenda_ts=self._post(channel, reply))
        # the last topic discussed in a timebox, even if others were marked done after it
        timed = [t for t in b.discussed if b.boxes.get(t.id)]
        recent = [*([b.current] if b.current else []), *timed[-1:]]
        for topic in recent:
            for box in b.boxes.get(topic.id, []):
                if box.vote_ts:
                    more = board_state.extension(settings.extensions, box.round)
                    vote = meeting_views.roman_vote(s.id, box, topic, more)
                    self._update(channel, box.vote_ts, vote)

    def _names(self, b: board_state.Board) -> dict[str, str]:
        people = {t.user_id for t in [*b.to_discuss, *b.discussed]}
        people |= {n.owner for n in b.notes if n.owner}
        if b.current:
            people.add(b.current.user_id)
        if b.facilitator:
            people.add(b.facilitator)
        return self.clock.names.of(people)

    def _post(self, channel: str, reply: Reply, thread: str = "") -> str:
        ts = self.clock.client.chat_postMessage(
            channel=channel,
            text=reply.text,
            blocks=reply.blocks,
            unfurl_links=False,
            thread_ts=thread or None,
        )["ts"]
        self._drawn[ts] = _shape(reply)
        return str(ts)

    def _update(self, channel: str, ts: str, reply: Reply) -> None:
        """chat.update, unless the message already shows exactly this."""
        shape = _shape(reply)
        if self._drawn.get(ts) == shape:
            return
        self.clock.client.chat_update(channel=channel, ts=ts, text=reply.text, blocks=reply.blocks)
        if len(self._drawn) > 1000:
            self._drawn.clear()
        self._drawn[ts] = shape


def _shape(reply: Reply) -> str:
    return json.dumps([reply.text, reply.blocks], sort_keys=True)


def _meetup(db: Session, session_id: int) -> tuple[CoffeeMeetup, CoffeeSeries]:
    s = db.get(CoffeeMeetup, session_id)
    assert s is not None
    series = db.get(CoffeeSeries, s.series_id)
    assert series is not None
    return s, series


def _session_of_topic(db: Session, topic_id: int) -> int:
    topic = db.get(CoffeeTopic, topic_id)
    assert topic is not None
    return topic.session_id
