"""The meeting in the channel: the board (the agenda's first message, redrawn in place), each
timebox's Roman vote in its thread, and the summary posted there when the meeting ends.

The clock's tick begins meetings whose start time has come and owes the Roman vote of each
timebox that ran out; both are claimed by a conditional update first (meeting.py), and the post
is owed in the same transaction, so a restart or a second clock never posts twice. What the
board and the votes show is drawn by bot/coffee/posts.py when the courier sends them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.coffee import meeting, posts
from bot.coffee.topics import Carried
from bot.delivery import channel
from bot.runtime import metrics
from bot.slack.mrkdwn import escape

if TYPE_CHECKING:
    from bot.coffee.runner import MeetupRunner

log = logging.getLogger(__name__)


class MeetingDesk:
    def __init__(self, clock: MeetupRunner) -> None:
        self.clock = clock

    # ---- what the clock's tick does ----------------------------------------------------------
    def tick(self) -> int:
        """Begin the meetings that are due and owe the votes of timeboxes that ran out."""
        now, store = self.clock.clock(), self.clock.store
        with store.session() as db:
            due = meeting.due_to_begin(db, now)
        began = sum(self.begin(session_id, "") for session_id in due)
        with store.session() as db:
            expired = meeting.expire_due(db, now)
            for box_id in expired:
                posts.owe_roman(db, box_id, now)
        for _ in expired:
            metrics.COFFEE_TRANSITIONS.labels("timebox_expired").inc()
        if expired:
            self.clock.courier.nudge()
        return began + len(expired)

    def begin(self, session_id: int, by: str) -> bool:
        with self.clock.store.session() as db:
            began = meeting.begin(db, session_id, by, self.clock.clock())
            # the agenda becomes the board (and a facilitator taken on shows)
            channel.changed(db, posts.group(session_id))
        if began:
            metrics.COFFEE_TRANSITIONS.labels("meeting").inc()
        self.clock.courier.nudge()
        return began

    # ---- the end ----------------------------------------------------------------------------
    def finish(self, session_id: int) -> bool:
        """End the meeting; the one caller that ended it carries and owes the summary."""
        now = self.clock.clock()
        with self.clock.store.session() as db:
            ended = meeting.end(db, session_id, now)
            carried = meeting.carry_after(db, session_id, now) if ended else None
            if ended:
                posts.owe_summary(db, session_id, now)
        if not ended:
            return False
        metrics.COFFEE_TRANSITIONS.labels("meeting_ended").inc()
        self.clock.courier.nudge()
        self.tell_carried(session_id, carried)
        return True

    def tell_carried(self, session_id: int, carried: Carried | None) -> None:
        """Each proposer whose topic moved to the next meetup is told, privately."""
        for proposer, title in carried.moved if carried else []:
            self.clock.tell(
                session_id,
                proposer,
                f"Your topic “{escape(title)}” was carried over to the next lean coffee.",
            )
