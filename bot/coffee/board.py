"""The meeting in the channel: the board (the agenda's first message, redrawn in place), each
timebox's Roman vote in its thread, and the summary posted there when the meeting ends.

The clock's tick begins meetings whose start time has come and owes the Roman vote of each
timebox that ran out; both are claimed by a conditional update first (meeting.py), and the post
is owed in the same transaction, so a restart or a second clock never posts twice. What the
board and the votes show is drawn by bot/coffee/posts.py when the courier sends them.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot import metrics
from bot.coffee import meeting, posts
from bot.delivery import channel
from bot.delivery.channel import Courier
from bot.store import Store
from bot.times import Clock

log = logging.getLogger(__name__)


class ChannelMeeting:
    def __init__(self, store: Store, client: WebClient, clock: Clock, courier: Courier) -> None:
        # the runner's own collaborators, handed over rather than the runner itself
        self.store, self.client, self.clock, self.courier = store, client, clock, courier
        self._workspace_url = ""

    # ---- what the clock's tick does ----------------------------------------------------------
    def tick(self) -> int:
        """Begin the meetings that are due and owe the votes of timeboxes that ran out."""
        now, store = self.clock(), self.store
        with store.session() as db:
            due = meeting.due_to_begin(db, now)
        began = sum(self.begin(meetup_id, "") for meetup_id in due)
        with store.session() as db:
            expired = meeting.expire_due(db, now)
            for box_id in expired:
                posts.owe_roman(db, box_id, now)
        for _ in expired:
            metrics.COFFEE_TRANSITIONS.labels("timebox_expired").inc()
        if expired:
            self.courier.nudge()
        with store.session() as db:
            over = meeting.due_to_end(db, now)
        ended = sum(self.finish(meetup_id) for meetup_id in over)  # each ends once
        return began + len(expired) + ended

    def begin(self, meetup_id: int, by: str) -> bool:
        with self.store.session() as db:
            older = meeting.older_running(db, meetup_id)
        for old in older:  # the series' previous meeting, still on: it ends first
            self.finish(old)
        with self.store.session() as db:
            # the agenda becomes the board (and a facilitator taken on shows); owed first,
            # in the lock order of a courier recording a post
            channel.changed(db, posts.group(meetup_id))
            began = meeting.begin(db, meetup_id, by, self.clock())
        if began:
            metrics.COFFEE_TRANSITIONS.labels("meeting").inc()
        self.courier.nudge()
        return began

    # ---- the end ----------------------------------------------------------------------------
    def finish(self, meetup_id: int) -> bool:
        """End the meeting; the one caller that ended it carries and owes the summary."""
        now = self.clock()
        workspace = self._workspace()
        with self.store.session() as db:
            ended = meeting.end(db, meetup_id, now)
            if ended:  # carried topics, proposers' DMs and the summary owed with the end
                meeting.after_end(db, meetup_id, now, workspace)
                posts.owe_summary(db, meetup_id, now)
        if not ended:
            return False
        metrics.COFFEE_TRANSITIONS.labels("meeting_ended").inc()
        self.courier.nudge()
        return True

    def _workspace(self) -> str:
        """The workspace's address (auth.test's url), for links to messages: asked once;
        empty while Slack does not say, and the links then open the channel instead."""
        if not self._workspace_url:
            try:
                self._workspace_url = str(self.client.auth_test().get("url") or "")
            except Exception:
                log.warning("auth.test failed: links to the summary open its channel")
        return self._workspace_url
