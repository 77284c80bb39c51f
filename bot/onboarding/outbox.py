"""Delivering the DMs the bot owes: paced, retried with back-off, and never sent twice.

Rows of dm_outbox (OutboxMessage) are the outbox. The scheduler calls Sender.drain() every few
seconds (and at once after a join); each row is claimed by a conditional UPDATE, so two
senders never take the same one. A row moves:

    pending -> sending (users.info, conversations.open) -> posting (chat.postMessage) -> sent

A 429 or 5xx answer means Slack did not post: the row goes back to pending with a due time
(Retry-After, or exponential back-off). A sender that dies while `sending` leaves a claim that
expires and the row is tried again; one that dies while `posting` cannot know whether the DM
went out, so that row becomes `unknown` rather than risk a second welcome.

A journey step is looked at when due, and skipped (never sent) when the person asked for no
more, the step has left the content, or its checklist item is ticked. A row without a name (a
channel join, /welcome) asks users.info for the display name and time zone first.

A welcome to someone users.info says is invited but has not joined waits: the row stays pending
and is looked at again every INVITE_RECHECK, without using up attempts, until they join or
INVITE_WAIT has passed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, and_, or_, select, update

from bot.onboarding import service, views
from bot.onboarding.content import Content
from bot.onboarding.journey import tz_of
from bot.onboarding.newcomers import INVITED, Home, from_home_team, why_not
from bot.slack.blocks import section
from bot.slack.replies import Reply
from bot.store import Store, rowcount
from bot.store.models import OutboxMessage
from bot.store.states import OutboxKind, OutboxState
from bot.times import Clock

log = logging.getLogger(__name__)

NOTICE = OutboxKind.TALK_NOTICE  # made by bot.talks.follows; its text travels in the row
REMINDER = OutboxKind.TALK_REMINDER  # made by bot.talks.reminders; expires when the talk begins
COFFEE = OutboxKind.COFFEE_NOTICE  # made by bot.coffee.notices; its text travels in the row
BUDDY = OutboxKind.BUDDY_INTRO  # made by bot.onboarding.buddies; its text travels in the row

CLAIM = dt.timedelta(minutes=2)  # a sender holds a row this long before others may retry it
MAX_ATTEMPTS = 12  # with back-off capped at 30 min: about four hours of trying
BACKOFF_CAP = 1800.0
INVITE_RECHECK = dt.timedelta(hours=1)
INVITE_WAIT = dt.timedelta(days=30)  # past this, an invitation is not going to be accepted


def _takeable(now: dt.datetime) -> ColumnElement[bool]:
    """Due and pending, or claimed by a sender that stopped before posting."""
    m = OutboxMessage
    return or_(
        and_(m.state == OutboxState.PENDING, m.due_at <= now),
        and_(m.state == OutboxState.SENDING, m.claimed_until < now),
    )


class Sender:
    def __init__(
        self,
        store: Store,
        client: WebClient,
        content: Callable[[], Content],
        clock: Clock,
        *,
        per_minute: int = 40,
        welcome_guests: bool = False,
        coffee_channels: tuple[str, ...] = (),
        public_url: str = "",
    ) -> None:
        self.store, self.client, self.content, self.clock = store, client, content, clock
        self.coffee_channels, self.public_url = coffee_channels, public_url
        self.interval = 60.0 / per_minute
        self.welcome_guests = welcome_guests
        self._last_send = 0.0
        self._paused_until: dt.datetime | None = None
        self._enterprise_id: str | None = None  # the bot's Grid organisation, once asked
        self._lock = threading.Lock()  # one drain at a time in this process
        self.nudge: Callable[[], None] = lambda: None  # the scheduler sets: "drain now"
        self.stop = threading.Event()  # set on shutdown: finish the DM in hand, take no more

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
        wait = self._last_send + self.interval - time.monotonic()
        if wait > 0:
            self.stop.wait(wait)
        self._last_send = time.monotonic()

    def recover(self) -> int:
        """Taking over from a clock holder that died: what it was posting may have gone out
        (unknown, never resent); what it had only claimed is due again at once."""
        now = self.clock()
        with self.store.session() as s:
            lost = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.POSTING)
                .values(state=OutboxState.UNKNOWN, last_error="the sender stopped while posting")
                .returning(OutboxMessage.id)
            ).all()
            again = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.SENDING)
                .values(state=OutboxState.PENDING, due_at=now, claimed_until=None)
                .returning(OutboxMessage.id)
            ).all()
        return len(lost) + len(again)

    def _claim(self, now: dt.datetime) -> OutboxMessage | None:
        with self.store.session() as s:
            # a sender that died mid-post: never guess, never send twice
            s.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.state == OutboxState.POSTING, OutboxMessage.claimed_until < now
                )
                .values(state=OutboxState.UNKNOWN, last_error="the sender stopped while posting")
            )
            candidates = s.scalars(
                select(OutboxMessage.id)
                .where(_takeable(now))
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(5)
            ).all()
        for id_ in candidates:
            with self.store.session() as s:
                claim = s.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == id_, _takeable(now))
                    .values(
                        state=OutboxState.SENDING,
                        claimed_until=now + CLAIM,
                        attempts=OutboxMessage.attempts + 1,
                    )
                )
                if rowcount(claim):
                    row = s.get(OutboxMessage, id_)
                    s.expunge(row)
                    return row
        return None

    def _set(self, row_id: int, **values: Any) -> None:
        with self.store.session() as s:
            s.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))

    # ---- one DM ----------------------------------------------------------------------------
    def _deliver(self, row: OutboxMessage) -> None:
        step = "sending"
        # a reminder for a talk that has begun: never late
        if row.expires_at is not None and self.clock() >= row.expires_at:
            self._set(row.id, state=OutboxState.SKIPPED, last_error="expired", claimed_until=None)
            return
        try:
            if row.kind == service.STEP:
                with self.store.session() as s:
                    why = service.step_skipped(s, self.content(), row)
                if why:
                    self._set(row.id, state=OutboxState.SKIPPED, last_error=why, claimed_until=None)
                    return
            name, tz = row.name, row.tz
            first = row.kind == service.WELCOME and row.scope == service.FIRST
            # a channel join carries no user object, and /welcome only the legacy handle:
            # users.info gives the display name and time zone, and decides who is a newcomer
            if not name:
                user = self.client.users_info(user=row.user_id)["user"]
                why = self.not_for(user, row.team_id) if first else ""
                if why == INVITED:
                    self._wait_for_join(row)
                    return
                if why:
                    self._set(row.id, state=OutboxState.SKIPPED, last_error=why, claimed_until=None)
                    return
                name, tz = display_name(user), tz_of(user) or tz
            channel = (
                row.channel_id or self.client.conversations_open(users=row.user_id)["channel"]["id"]
            )
            reply = self._reply(row, name)
            # from here a crash leaves it unknown whether the DM went out; the claim is checked
            # so a sender that lost its row to a new clock holder never posts it as well
            with self.store.session() as s:
                still_mine = s.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == row.id,
                        OutboxMessage.state == OutboxState.SENDING,
                        OutboxMessage.attempts == row.attempts,
                    )
                    .values(
                        state=OutboxState.POSTING, channel_id=channel, name=name[:200], tz=tz[:64]
                    )
                    .returning(OutboxMessage.id)
                ).first()
            if still_mine is None:
                log.info("DM %s to %s was taken over; not posting it", row.kind, row.user_id)
                return
            step = "posting"
            posted = self.client.chat_postMessage(
                channel=channel, text=reply.text, blocks=reply.blocks, unfurl_links=False
            )
            now = self.clock()
            with self.store.session() as s:
                s.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id)
                    .values(
                        state=OutboxState.SENT,
                        message_ts=posted.get("ts") or "",
                        sent_at=now,
                        claimed_until=None,
                        last_error="",
                    )
                )
                if first:  # the one first welcome is out: the journey begins
                    service.start_journey(s, row, tz=tz, channel_id=channel, now=now)
        except SlackApiError as exc:
            self._failed(row, exc, step)
        except Exception as exc:  # network errors, timeouts: Slack may or may not have it
            log.warning("DM %s to %s: %s", row.kind, row.user_id, exc)
            if step == "posting":
                self._set(row.id, state=OutboxState.UNKNOWN, last_error=str(exc)[:300])
            else:
                self._retry(row, None, str(exc))

    def _reply(self, row: OutboxMessage, name: str) -> Reply:
        if row.kind in (NOTICE, REMINDER, COFFEE, BUDDY):  # the text was made when the DM was owed
            return Reply(row.body, [section(row.body)])
        if row.kind == service.DM_ANSWER:
            return views.dm_answer(self.content())
        content, now = self.content(), self.clock()
        with self.store.session() as s:
            if row.kind == service.WELCOME:
                return views.welcome_for(
                    s, content, self.coffee_channels, row.team_id, row.user_id, name, now,
                    self.public_url,
                )  # fmt: skip
            if row.kind == service.STEP:
                step = content.step(row.scope)
                if step is None:  # removed from the content between the check and now
                    raise LookupError(f"no step {row.scope!r} in the content")
                coffee = views.group_coffee(
                    s, row.team_id, self.coffee_channels, now, self.public_url
                )
                return views.step(content, step, coffee, now)
            done = service.ticks(s, row.team_id, row.user_id)
        return views.follow_up(content, name, done, now)

    def _failed(self, row: OutboxMessage, exc: SlackApiError, step: str) -> None:
        status = exc.response.status_code
        error = str(exc.response.get("error") or status)
        if status == 429 or status >= 500:
            # Slack answered and did not post: safe to try again later
            retry_after = exc.response.headers.get("Retry-After") if status == 429 else None
            delay = float(retry_after) if retry_after else None
            if status == 429 and delay is not None:
                self._paused_until = self.clock() + dt.timedelta(seconds=delay)
            self._retry(row, delay, error)
            return
        log.warning("DM %s to %s failed: %s", row.kind, row.user_id, error)
        self._set(row.id, state=OutboxState.FAILED, last_error=error[:300], claimed_until=None)

    def _wait_for_join(self, row: OutboxMessage) -> None:
        """Invited, not joined: look again later, without counting it as a failed attempt."""
        now = self.clock()
        if now - row.created_at >= INVITE_WAIT:
            self._set(
                row.id,
                state=OutboxState.SKIPPED,
                last_error="invited, never joined",
                claimed_until=None,
            )
            return
        self._set(
            row.id,
            state=OutboxState.PENDING,
            due_at=now + INVITE_RECHECK,
            attempts=row.attempts - 1,
            claimed_until=None,
            last_error=INVITED,
        )

    def _retry(self, row: OutboxMessage, delay: float | None, error: str) -> None:
        if row.attempts >= MAX_ATTEMPTS:
            log.error("giving up DM %s to %s: %s", row.kind, row.user_id, error)
            self._set(row.id, state=OutboxState.FAILED, last_error=error[:300], claimed_until=None)
            return
        if delay is None:
            delay = min(BACKOFF_CAP, 5.0 * 2 ** (row.attempts - 1))
        self._set(
            row.id,
            state=OutboxState.PENDING,
            due_at=self.clock() + dt.timedelta(seconds=delay),
            claimed_until=None,
            last_error=error[:300],
        )

    # ---- who gets nothing --------------------------------------------------------------------
    def not_for(self, user: dict[str, Any], team_id: str, enterprise_id: str | None = None) -> str:
        """Why this Slack user gets no welcome from the bot of `team_id`: "" if they should get
        one, newcomers.INVITED if not yet.

        enterprise_id None means unknown here (a row keeps only its team): auth.test tells it,
        once per process, and only for a user of another workspace, the one case it decides.
        """
        if enterprise_id is None:
            enterprise_id = "" if from_home_team(user, team_id) else self._own_enterprise()
        return why_not(user, Home(team_id, enterprise_id), welcome_guests=self.welcome_guests)

    def _own_enterprise(self) -> str:
        if self._enterprise_id is None:
            self._enterprise_id = self.client.auth_test().get("enterprise_id") or ""
        return self._enterprise_id


def display_name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    return (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or ""
    )
