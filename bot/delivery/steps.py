"""The steps every owed row goes through, whatever it delivers (a DM in dm_outbox, a post in
channel_messages): claimed by a conditional update, marked `posting` before the call (again
conditionally, so a sender that lost its claim never posts), and after a failure retried
with back-off, failed for good, or left `unknown` to be looked for. outbox.py and channel.py
each keep only what differs: what they draw and what they call."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Generic, TypeVar

from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, and_, select, update

from bot.delivery import slack_calls
from bot.store import Store, rowcount
from bot.store.models import ChannelMessage, OutboxMessage
from bot.store.states import OutboxState
from bot.times import Clock

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # with back-off capped at 30 min: about four hours of trying

Row = TypeVar("Row", OutboxMessage, ChannelMessage)


def refusal(exc: SlackApiError) -> tuple[bool, float | None, str]:
    """(worth trying again, how long to wait or None for the back-off, the error to record)."""
    again, delay = slack_calls.retry_after(exc)
    return again, delay, str(exc.response.get("error") or exc.response.status_code)


class Steps(Generic[Row]):
    """The claim, the mark and the failures of one table's rows (`model`)."""

    def __init__(self, store: Store, model: type[Row], clock: Clock, claim: dt.timedelta) -> None:
        self.model: type[Row] = model
        self.store, self.clock, self.claim_for = store, clock, claim

    def set(self, row_id: int, **values: Any) -> None:
        m = self.model
        with self.store.session() as db:
            db.execute(update(m).where(m.id == row_id).values(**values))

    def claim(
        self, due: ColumnElement[bool], now: dt.datetime, *order: Any, lost: str
    ) -> Row | None:
        """The first row that is `due` (in `order`) that this sender wins, claimed: `sending`,
        or `checking` for one of unknown fate. First, a row whose sender died mid-post is made
        `unknown` (`lost` says why): never guessed, looked for before it is posted again."""
        m = self.model
        died = and_(m.state == OutboxState.POSTING, m.claimed_until < now)
        with self.store.session() as db:
            # read before written: this runs every few seconds, and SQLite has one writer
            if db.scalar(select(m.id).where(died).limit(1)) is not None:
                db.execute(
                    update(m)
                    .where(died)
                    .values(state=OutboxState.UNKNOWN, due_at=now, last_error=lost)
                )
            candidates = db.execute(
                select(m.id, m.state).where(due).order_by(*order).limit(5)
            ).all()
        for id_, state in candidates:
            checking = state in (OutboxState.UNKNOWN, OutboxState.CHECKING)
            with self.store.session() as db:
                won = db.execute(
                    update(m)
                    .where(m.id == id_, due)
                    .values(
                        state=OutboxState.CHECKING if checking else OutboxState.SENDING,
                        claimed_until=now + self.claim_for,
                        attempts=m.attempts + 1,
                    )
                )
                if rowcount(won):
                    row = db.get(m, id_)
                    if row is not None:
                        db.expunge(row)
                        return row
        return None

    def mark_posting(self, row: Row, **values: Any) -> bool:
        """From here a crash leaves it unknown whether Slack has it; False when the row was
        taken over (its claim ran out and another sender has it): then nothing is posted."""
        m = self.model
        with self.store.session() as db:
            mine = db.execute(
                update(m)
                .where(m.id == row.id, m.state == row.state, m.attempts == row.attempts)
                .values(state=OutboxState.POSTING, **values)
                .returning(m.id)
            ).first()
        return mine is not None

    def unknown(self, row: Row, error: str) -> None:
        """The call was made and its answer lost: looked for on the next drain."""
        self.set(
            row.id,
            state=OutboxState.UNKNOWN,
            due_at=self.clock(),
            claimed_until=None,
            last_error=error[:300],
        )

    def failed(self, row: Row, error: str) -> None:
        self.set(row.id, state=OutboxState.FAILED, last_error=error[:300], claimed_until=None)

    def retry(self, row: Row, delay: float | None, error: str, what: str) -> None:
        """Again after `delay` (None: the back-off for its attempts), or failed for good after
        MAX_ATTEMPTS. `what`: the row, as the log names it."""
        if row.attempts >= MAX_ATTEMPTS:
            log.error("giving up %s: %s", what, error)
            self.failed(row, error)
            return
        if delay is None:
            delay = slack_calls.backoff(row.attempts)
        self.set(
            row.id,
            # a row that was being checked is checked again: it may still have arrived
            state=OutboxState.UNKNOWN if row.state == OutboxState.CHECKING else OutboxState.PENDING,
            due_at=self.clock() + dt.timedelta(seconds=delay),
            claimed_until=None,
            last_error=error[:300],
        )
