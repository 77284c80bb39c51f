"""Delivering the DMs the bot owes: paced, retried with back-off, and never sent twice.

Rows of dm_outbox (OutboxMessage) are the outbox. The scheduler calls Sender.drain() every few
seconds (and at once after a change owes a DM); each row is claimed by a conditional UPDATE, so
two senders never take the same one. A row moves:

    pending -> sending (users.info, conversations.open) -> posting (chat.postMessage) -> sent

A 429 or 5xx answer means Slack did not post: the row goes back to pending with a due time
(Retry-After, or exponential back-off); any other refusal cannot succeed later and fails at
once. A sender that dies while `sending` leaves a claim that expires and the row is tried
again; one that dies while `posting` cannot know whether the DM went out, so that row becomes
`unknown`, and the next drain claims it (`checking`) and looks for it in the DM channel's
recent history by the metadata every DM carries: found, it is recorded as sent; not there, it
is sent. Never twice.

The outbox knows no feature. A feature registers, for its kinds of DM, how each is drawn at
send time and what happens around it (DmKind); a kind nobody registered is a stored text (a
talk notice or reminder), sent as it was owed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, and_, delete, not_, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.delivery import slack_calls, steps
from bot.delivery.pacing import Pacer, RealPacer
from bot.slack.blocks import section
from bot.slack.replies import Reply
from bot.store import Store, dialect_of, rowcount
from bot.store.models import OutboxMessage
from bot.store.states import OutboxKind, OutboxState
from bot.times import Clock

log = logging.getLogger(__name__)

NOTICE = OutboxKind.TALK_NOTICE  # made by bot.talks.follows; its text travels in the row
REMINDER = OutboxKind.TALK_REMINDER  # made by bot.talks.reminders; expires when the talk begins

CLAIM = dt.timedelta(minutes=2)  # a sender holds a row this long before others may retry it
MAX_ATTEMPTS = steps.MAX_ATTEMPTS
LOST = "the sender stopped while posting"
# kept whatever their age: each is the one record that a person was welcomed or followed up,
# and owing them again would send them again
KEPT = ((OutboxKind.WELCOME, "first"), (OutboxKind.FOLLOW_UP, "once"))


class Verdict(NamedTuple):
    why: str  # why not to send ("" to send)
    tz: str = ""  # the person's time zone, when known
    wait: dt.timedelta | None = None  # not yet: look again this much later, no attempt counted


class DmKind(Protocol):
    """What a feature tells the outbox about its kinds of DM."""

    def skip(self, db: Session, row: OutboxMessage) -> str:
        """Why a due DM is pointless now ("" to send it)."""

    def who(self, user: dict[str, Any], row: OutboxMessage) -> Verdict:
        """For a row owed without a name, what users.info says of the person."""

    def draw(self, db: Session, row: OutboxMessage, name: str) -> Reply | None:
        """The DM as it should read now; None when it cannot be drawn any more (skipped)."""

    def sent(
        self, db: Session, row: OutboxMessage, tz: str, channel: str, now: dt.datetime
    ) -> None:
        """In the transaction that records the DM sent."""


def owe(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    kind: str,
    scope: str,
    now: dt.datetime,
    name: str = "",
    due: dt.datetime | None = None,
    body: str = "",
    channel_id: str = "",
    tz: str = "",
    expires: dt.datetime | None = None,
) -> bool:
    """Record a DM owed to someone; False when it was owed already (a duplicate delivery).

    The unique key decides, inside the database, so two processes receiving the same event
    at the same moment still record it once.
    """
    insert = sqlite_insert if dialect_of(session) == "sqlite" else pg_insert
    stmt = (
        insert(OutboxMessage)
        .values(
            team_id=team_id,
            user_id=user_id,
            kind=kind,
            scope=scope,
            name=name[:200],
            state=OutboxState.PENDING,
            attempts=0,
            due_at=due or now,
            created_at=now,
            body=body,
            channel_id=channel_id,
            tz=tz[:64],
            expires_at=expires,
        )
        .on_conflict_do_nothing(index_elements=["team_id", "user_id", "kind", "scope"])
    )
    # RETURNING, not rowcount: PostgreSQL reports -1 rows for an insert that returns its id
    return session.execute(stmt.returning(OutboxMessage.id)).first() is not None


def purge(session: Session, before: dt.datetime) -> int:
    """Forget DMs sent (or skipped) before `before`, except the records that keep a person
    from being welcomed or followed up twice."""
    m = OutboxMessage
    kept = or_(*(and_(m.kind == kind, m.scope == scope) for kind, scope in KEPT))
    done = m.state.in_((OutboxState.SENT, OutboxState.SKIPPED))
    when = or_(m.sent_at < before, and_(m.sent_at.is_(None), m.created_at < before))
    return rowcount(session.execute(delete(m).where(done, when, not_(kept))))


def _takeable(now: dt.datetime) -> ColumnElement[bool]:
    """Due and pending, claimed by a sender that stopped before posting, or of unknown fate
    (to be looked for in its DM channel, then sent if it is not there)."""
    m = OutboxMessage
    return or_(
        and_(m.state == OutboxState.PENDING, m.due_at <= now),
        and_(m.state.in_((OutboxState.SENDING, OutboxState.CHECKING)), m.claimed_until < now),
        and_(m.state == OutboxState.UNKNOWN, m.due_at <= now, m.channel_id != ""),
    )


class Sender:
    def __init__(
        self,
        store: Store,
        client: WebClient,
        clock: Clock,
        *,
        per_minute: int = 40,
        pacer: Pacer | None = None,
    ) -> None:
        self.store, self.client, self.clock = store, client, clock
        self.interval = 60.0 / per_minute
        self.kinds: dict[str, DmKind] = {}
        self._last_send = 0.0
        self._paused_until: dt.datetime | None = None
        self.steps = steps.Steps(store, OutboxMessage, clock, CLAIM)
        self._lock = threading.Lock()  # one drain at a time in this process
        self.nudge: Callable[[], None] = lambda: None  # the scheduler sets: "drain now"
        self.stop = threading.Event()  # set on shutdown: finish the DM in hand, take no more
        self.pacer = pacer or RealPacer(self.stop)  # tests pass a clock of their own

    def register(self, kinds: Iterable[str], kind: DmKind) -> None:
        for name in kinds:
            self.kinds[name] = kind

    # ---- the loop --------------------------------------------------------------------------
    def drain(self, limit: int | None = None) -> int:
        """Send what is due; returns how many rows were handled. Safe to call from any thread."""
        if not self._lock.acquire(blocking=False):
            return 0  # a drain is running; it will see the new rows too
        try:
            handled = 0
            while (limit is None or handled < limit) and not self.stop.is_set():
                now = self.clock()
                if self._paused_until and now < self._paused_until:
                    break
                row = self._claim(now)
                if row is None:
                    break
                self._pace()
                self._deliver(row)
                handled += 1
            return handled
        finally:
            self._lock.release()

    def _pace(self) -> None:
        """Stay under conversations.open's tier-3 limit instead of bouncing off it."""
        wait = self._last_send + self.interval - self.pacer.monotonic()
        if wait > 0:
            self.pacer.sleep(wait)
        self._last_send = self.pacer.monotonic()

    def recover(self) -> int:
        """Taking over from a clock holder that died: what it was posting may have gone out
        (unknown: looked for before it is sent again); what it had only claimed is due again."""
        now = self.clock()
        with self.store.session() as s:
            lost = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.POSTING)
                .values(
                    state=OutboxState.UNKNOWN,
                    due_at=now,
                    last_error=LOST,
                )
                .returning(OutboxMessage.id)
            ).all()
            again = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.SENDING)
                .values(state=OutboxState.PENDING, due_at=now, claimed_until=None)
                .returning(OutboxMessage.id)
            ).all()
        return len(lost) + len(again)

    def purge(self, keep: dt.timedelta) -> int:
        with self.store.session() as s:
            return purge(s, self.clock() - keep)

    def _claim(self, now: dt.datetime) -> OutboxMessage | None:
        m = OutboxMessage
        return self.steps.claim(_takeable(now), now, m.due_at, m.id, lost=LOST)

    def _set(self, row_id: int, **values: Any) -> None:
        self.steps.set(row_id, **values)

    def _skip(self, row: OutboxMessage, why: str) -> None:
        self._set(row.id, state=OutboxState.SKIPPED, last_error=why[:300], claimed_until=None)

    # ---- one DM ----------------------------------------------------------------------------
    def _deliver(self, row: OutboxMessage) -> None:
        step = "sending"
        # a reminder for a talk that has begun: never late
        if row.expires_at is not None and self.clock() >= row.expires_at:
            self._skip(row, "expired")
            return
        kind = self.kinds.get(row.kind)
        try:
            if kind is not None:
                with self.store.session() as s:
                    why = kind.skip(s, row)
                if why:
                    self._skip(row, why)
                    return
            name, tz = row.name, row.tz
            # a row owed without a name (a channel join, /welcome): users.info gives the
            # display name and time zone, and the feature decides whether it is still owed
            if not name:
                user = self.client.users_info(user=row.user_id)["user"]
                verdict = kind.who(user, row) if kind is not None else Verdict("")
                if verdict.wait is not None:
                    self._wait(row, verdict.why, verdict.wait)
                    return
                if verdict.why:
                    self._skip(row, verdict.why)
                    return
                name, tz = display_name(user), verdict.tz or row.tz
            channel = (
                row.channel_id or self.client.conversations_open(users=row.user_id)["channel"]["id"]
            )
            reply = self._draw(row, kind, name)
            if reply is None:
                self._skip(row, "no longer in the content")
                return
            key = f"dm:{row.id}"
            if row.state == OutboxState.CHECKING:
                ts = slack_calls.find_posted(
                    self.client, channel, key, since=row.created_at, legacy_text=reply.text
                )
                if ts:
                    log.info("DM %s to %s had arrived after all", row.kind, row.user_id)
                    self._sent(row, kind, ts, tz, channel)
                    return
            # a sender that lost its row to a new clock holder never posts it as well
            if not self.steps.mark_posting(row, channel_id=channel, name=name[:200], tz=tz[:64]):
                log.info("DM %s to %s was taken over; not posting it", row.kind, row.user_id)
                return
            step = "posting"
            posted = self.client.chat_postMessage(
                channel=channel,
                text=reply.text,
                blocks=reply.blocks,
                unfurl_links=False,
                metadata=slack_calls.metadata(key),
            )
            self._sent(row, kind, posted.get("ts") or "", tz, channel)
        except SlackApiError as exc:
            self._failed(row, exc)
        except Exception as exc:  # network errors, timeouts: Slack may or may not have it
            log.warning("DM %s to %s: %s", row.kind, row.user_id, exc)
            if step == "posting":  # looked for in the channel on the next drain
                self.steps.unknown(row, str(exc))
            else:
                self._retry(row, None, str(exc))

    def _draw(self, row: OutboxMessage, kind: DmKind | None, name: str) -> Reply | None:
        if kind is None:  # the text was made when the DM was owed
            return Reply(row.body, [section(row.body)])
        with self.store.session() as s:
            return kind.draw(s, row, name)

    def _sent(
        self, row: OutboxMessage, kind: DmKind | None, ts: str, tz: str, channel: str
    ) -> None:
        now = self.clock()
        with self.store.session() as s:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(
                    state=OutboxState.SENT,
                    message_ts=ts,
                    channel_id=channel,
                    sent_at=now,
                    claimed_until=None,
                    last_error="",
                )
            )
            if kind is not None:
                kind.sent(s, row, tz, channel, now)

    def _failed(self, row: OutboxMessage, exc: SlackApiError) -> None:
        again, delay, error = steps.refusal(exc)
        if again:  # Slack answered and did not post: safe to try again later
            if exc.response.status_code == 429 and delay is not None:
                self._paused_until = self.clock() + dt.timedelta(seconds=delay)
            self._retry(row, delay, error)
            return
        log.warning("DM %s to %s failed: %s", row.kind, row.user_id, error)
        self.steps.failed(row, error)

    def _wait(self, row: OutboxMessage, why: str, wait: dt.timedelta) -> None:
        """Not yet: look again later, without counting it as a failed attempt."""
        self._set(
            row.id,
            state=OutboxState.PENDING,
            due_at=self.clock() + wait,
            attempts=row.attempts - 1,
            claimed_until=None,
            last_error=why,
        )

    def _retry(self, row: OutboxMessage, delay: float | None, error: str) -> None:
        self.steps.retry(row, delay, error, f"DM {row.kind} to {row.user_id}")


def display_name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    return (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or ""
    )
