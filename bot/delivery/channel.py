"""Channel posts, message updates and thread replies, owed and delivered as DMs are.

A feature owes a post with `owe()` in the transaction of the change that owes it: a row of
channel_messages (ChannelMessage) under a unique key, so a retry or a second process owes it
once. What the message shows is drawn from the database when it is sent, by the drawer the
feature registered for its kind, so any process can send it. A post moves:

    pending -> sending (drawn) -> posting (chat.postMessage) -> sent

as a DM does: a 429 waits for Retry-After, a 5xx or a network error before the call backs off,
any other refusal (channel_not_found, not_in_channel, invalid_blocks, ...) fails at once. A
sender that dies while posting leaves the row `unknown` once its claim runs out; the next drain
claims it (`checking`) and looks for it in the channel's (or thread's) recent history by the
metadata every post carries, recording the message found or posting it if it is not there.

A message kept up to date in place (a board, a voting message) has versions. Every change to
what it shows bumps `wanted` (`changed()`, all the messages of a group at once, in the change's
own transaction); `drawn` is the version the channel shows. A drain claims a sent message
whose wanted > drawn (no other claim, not redrawn within the throttle), reads `wanted` (kept in
the row as `drawing` while it draws), draws from the database, sends chat.update (only when
the drawing differs from what the message shows, kept as a hash), then records the version
with a conditional update (drawn < version). So an older read never lands after a newer one,
and since the throttle is decided in the database, any number of processes send no more
updates than one.

Each process has one Courier. The process that made a change nudges it, and it drains on a
thread of its own (never behind notes or listeners); the elected clock also drains every
second, which is what sends a redraw the throttle held back, and retries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    and_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.delivery import slack_calls, steps
from bot.slack.replies import Reply
from bot.store import Db, Store, dialect_of, rowcount
from bot.store.models import ChannelMessage
from bot.store.states import OutboxState
from bot.times import Clock

log = logging.getLogger(__name__)

CLAIM = dt.timedelta(minutes=1)  # far longer than one Web API call may take
MAX_ATTEMPTS = steps.MAX_ATTEMPTS
PARENT_WAIT = dt.timedelta(seconds=2)  # a reply whose thread is not posted yet looks again
PART = "/"  # the ref of a post's further part: "<ref>/<n>"
STORED = "stored"  # a post whose words were made when it was owed (an import's announcement)


@dataclass(frozen=True)
class Drawing:
    """A message as it should read now, and where. `parts`: how many messages the whole takes
    (drawn as part 0); the further parts are owed when the first is posted."""

    channel: str
    reply: Reply
    parts: int = 1


# (session, ref, ts): ts is "" for a post and the message's ts for an update; None: there is
# nothing to send any more (a post is skipped, an update recorded as done)
Draw = Callable[[Session, str, str], Drawing | None]
# (session, ref, ts): in the transaction that records the post sent
Sent = Callable[[Session, str, str], None]


@dataclass(frozen=True)
class Kind:
    draw: Draw
    sent: Sent | None = None
    throttled: bool = True  # False: one person's message, redrawn at each change


def owe(
    db: Session,
    *,
    key: str,
    kind: str,
    ref: str,
    now: dt.datetime,
    group: str = "",
    thread: str = "",
    body: str = "",
) -> bool:
    """Owe a post (in the caller's transaction); False when it is owed already. `group`: what
    `changed()` bumps to redraw it; `thread`: the key of the post it replies under."""
    return _add_once(
        db, key=key, kind=kind, ref=ref, now=now, group=group, thread=thread, body=body
    )


def track(
    db: Session,
    *,
    key: str,
    kind: str,
    ref: str,
    group: str,
    channel: str,
    ts: str,
    now: dt.datetime,
) -> bool:
    """Keep a message that is in Slack already (posted by other means: a DM the outbox sent)
    up to date from now on: a row, `sent`, that `changed(db, group)` bumps like any other.
    False when it is kept already. What it shows is not known: its first redraw is sent."""
    return _add_once(
        db,
        key=key,
        kind=kind,
        ref=ref,
        now=now,
        group=group,
        channel_id=channel,
        ts=ts,
        state=OutboxState.SENT,
        sent_at=now,
    )


def _add_once(
    db: Session,
    *,
    key: str,
    kind: str,
    ref: str,
    now: dt.datetime,
    group: str,
    thread: str = "",
    body: str = "",
    **sent: object,
) -> bool:
    """A row of channel_messages under its unique key; False when the key has one already."""
    insert = sqlite_insert if dialect_of(db) == "sqlite" else pg_insert
    values: dict[str, object] = {
        "key": key[:160],
        "kind": kind,
        "ref": ref[:80],
        "group_key": group[:80],
        "thread_key": thread[:160],
        "channel_id": "",
        "ts": "",
        "state": OutboxState.PENDING,
        "attempts": 0,
        "due_at": now,
        "last_error": "",
        "created_at": now,
        "wanted": 0,
        "drawn": 0,
        "shape": "",
        "body": body,
        **sent,
    }
    stmt = insert(ChannelMessage).values(**values).on_conflict_do_nothing(index_elements=["key"])
    return db.execute(stmt.returning(ChannelMessage.id)).first() is not None


def owe_stored(db: Session, *, key: str, channel: str, reply: Reply, now: dt.datetime) -> bool:
    """Owe a post whose words are fixed now (nothing in the database draws them later)."""
    body = json.dumps({"channel": channel, "text": reply.text, "blocks": reply.blocks})
    return owe(db, key=key, kind=STORED, ref="", now=now, body=body)


def states(db: Session, keys: list[str]) -> dict[str, tuple[str, str]]:
    """key -> (state, last error) of these owed posts."""
    m = ChannelMessage
    rows = db.execute(select(m.key, m.state, m.last_error).where(m.key.in_(keys))).all()
    return {key: (str(state), error) for key, state, error in rows}


# A message that owes a redraw already needs no bump: whoever draws it next reads the database
# after this change. One being drawn needs one only while nothing was bumped since its claim
# (wanted <= drawing: the drawing under way may have read the database before this change);
# after that first bump, the redraw it owes covers every later change too. A post (any state
# but sent) reads its version when it draws, so a change while it is claimed always bumps.
_m = ChannelMessage
_NEEDS = or_(
    _m.wanted <= _m.drawn,
    and_(
        _m.claimed_until.is_not(None),
        or_(_m.state != OutboxState.SENT, _m.wanted <= _m.drawing),
    ),
)
# the same condition in SQL: a plain statement, so an ORM session runs it as written
_OWING = (
    "group_key = :g AND (wanted <= drawn OR (claimed_until IS NOT NULL"
    " AND (state <> 'sent' OR wanted <= drawing)))"
)
_BUMP = text("UPDATE channel_messages SET wanted = wanted + 1 WHERE " + _OWING)


def lock_group(db: Db, group: str) -> bool:
    """Lock the messages of `group` (in id order) until the caller's transaction ends; say
    whether a change would owe any of them a bump. A drain that would claim or record one
    waits for the commit, so whatever the caller decides about owing a redraw still holds
    when the change lands."""
    return bool(db.scalar(select(locking_group(shared=False)), {"group": group}))


def locking_group(*, shared: bool) -> ScalarSelect[int]:
    """`lock_group` as a column of the caller's own first statement (bound parameter
    "group"), which saves a round trip on the hottest path: how many of the messages a change
    would owe a bump, all of them locked in id order as the statement reads them.

    `shared` (FOR SHARE): changes that need no bump go on side by side; a caller that finds a
    bump needed must not bump under a shared lock (two of them would each wait for the
    other's), but start again with the exclusive lock. On SQLite the caller's write takes the
    database's one write lock, which serialises the same way; the bump's own condition
    decides there."""
    return _LOCKING_SHARED if shared else _LOCKING


def _locking(*, shared: bool) -> ScalarSelect[int]:
    group = (
        select(_NEEDS.label("needs"))
        .where(_m.group_key == bindparam("group"))
        .order_by(_m.id)
        .with_for_update(read=shared)
        .subquery()
    )
    # counted with a CASE, not filtered by a WHERE: a condition outside could be pushed
    # into the locking subquery, which would then lock only the messages that meet it
    return select(func.count(case((group.c.needs, 1)))).scalar_subquery()


# built once: the vote click runs them on every click
_LOCKING, _LOCKING_SHARED = _locking(shared=False), _locking(shared=True)


def bump(db: Db, group: str) -> int:
    """Owe the messages of `group` a redraw; call it under `lock_group` of the same
    transaction."""
    return rowcount(db.execute(_BUMP, {"g": group}))


def changed(db: Db, group: str) -> int:
    """What the messages of `group` show has changed: each owes a redraw (in the caller's
    transaction: the change and the debt commit together).

    The group's rows are locked first, so no drain draws between the decision and the change's
    commit. Call it before the change's own writes: a courier recording a post locks its
    row, then the meetup's, and the same order keeps the two from deadlocking on PostgreSQL
    (the vote click, bot/coffee/dots.py, locks in this order too)."""
    lock_group(db, group)
    return bump(db, group)


def posted_ts(db: Session, key: str) -> str:
    """The ts of an owed post once it is in the channel, else ""."""
    return db.scalar(select(ChannelMessage.ts).where(ChannelMessage.key == key)) or ""


def purge(db: Session, before: dt.datetime) -> int:
    """Forget messages done with before `before`: posted (and not redrawn since), skipped or
    failed."""
    m = ChannelMessage
    old = or_(m.sent_at < before, and_(m.sent_at.is_(None), m.created_at < before))
    quiet = or_(m.drawn_at.is_(None), m.drawn_at < before)
    done = m.state.in_((OutboxState.SENT, OutboxState.SKIPPED, OutboxState.FAILED))
    return rowcount(db.execute(delete(m).where(done, old, quiet)))


def _shape(reply: Reply) -> str:
    raw = json.dumps([reply.text, reply.blocks], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def _postable(now: dt.datetime) -> ColumnElement[bool]:
    """A post that is due, claimed by a sender that stopped before posting, or of unknown
    fate (to be looked for, then posted if it is not there)."""
    m = ChannelMessage
    return or_(
        and_(m.state == OutboxState.PENDING, m.due_at <= now),
        and_(m.state.in_((OutboxState.SENDING, OutboxState.CHECKING)), m.claimed_until < now),
        and_(m.state == OutboxState.UNKNOWN, m.due_at <= now),
    )


def _stale(now: dt.datetime, throttle: dt.timedelta, unthrottled: list[str]) -> ColumnElement[bool]:
    """A message in the channel that owes a redraw, free to be redrawn now: at once when it
    was not redrawn within the throttle (or since it was posted), else once the throttle has
    passed since its last redraw, so a burst of changes is a redraw per throttle."""
    m = ChannelMessage
    return and_(
        m.state == OutboxState.SENT,
        m.wanted > m.drawn,
        m.due_at <= now,
        or_(m.claimed_until.is_(None), m.claimed_until < now),
        or_(m.drawn_at.is_(None), m.drawn_at <= now - throttle, m.kind.in_(unthrottled)),
    )


class Courier:
    """Delivers channel_messages: drain() from any thread; nudge() to drain soon on the
    courier's own thread."""

    def __init__(
        self, store: Store, client: WebClient, clock: Clock, *, throttle: float = 1.5
    ) -> None:
        self.store, self.client, self.clock = store, client, clock
        self.throttle = dt.timedelta(seconds=throttle)
        self.kinds: dict[str, Kind] = {}
        self.steps = steps.Steps(store, ChannelMessage, clock, CLAIM)
        self._paused_until: dt.datetime | None = None
        self._drain_lock = threading.Lock()
        self._cond = threading.Condition()
        self._asked = False  # a nudge since the thread last began a drain
        self._busy = False  # the thread has a drain to do or is doing one
        self._closed = False
        self._thread: threading.Thread | None = None

    def register(
        self, kind: str, draw: Draw, sent: Sent | None = None, *, throttled: bool = True
    ) -> None:
        self.kinds[kind] = Kind(draw, sent, throttled)

    # ---- the courier's thread ------------------------------------------------------------
    def nudge(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._asked = self._busy = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="courier", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._asked or self._closed)
                if not self._asked:
                    return
                self._asked = False
            try:
                self.drain(wait=True)
            except Exception:  # the clock's next drain tries again
                log.exception("delivery to channels failed")
            with self._cond:
                if not self._asked:
                    self._busy = False
                    self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """True once nothing nudged is waiting or being delivered by this process's thread."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._busy, timeout)

    def close(self, timeout: float = 10.0) -> bool:
        """Deliver what was nudged (for at most `timeout` seconds), then stop the thread."""
        idle = self.wait_idle(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        return idle

    # ---- draining ----------------------------------------------------------------------------
    def drain(self, limit: int | None = None, *, wait: bool = False) -> int:
        """Post, check and redraw what is due; how many rows were handled."""
        if not self._drain_lock.acquire(blocking=wait):
            return 0  # a drain is running in this process; it sees the new rows too
        try:
            handled = 0
            while limit is None or handled < limit:
                now = self.clock()
                if self._paused_until and now < self._paused_until:
                    break
                row = self._claim_post(now)
                if row is not None:
                    self._post(row)
                else:
                    claimed = self._claim_redraw(now)
                    if claimed is None:
                        break
                    self._redraw(*claimed)
                handled += 1
            return handled
        finally:
            self._drain_lock.release()

    def purge(self, keep: dt.timedelta) -> int:
        with self.store.session() as db:
            return purge(db, self.clock() - keep)

    def _known(self) -> ColumnElement[bool]:
        """Only what this process can draw (a one-off command registers no feature's kinds)."""
        return ChannelMessage.kind.in_([STORED, *self.kinds])

    def _claim_post(self, now: dt.datetime) -> ChannelMessage | None:
        due = and_(_postable(now), self._known())
        return self.steps.claim(due, now, ChannelMessage.id, lost="stopped while posting")

    def _claim_redraw(self, now: dt.datetime) -> tuple[ChannelMessage, int] | None:
        m = ChannelMessage
        unthrottled = [name for name, kind in self.kinds.items() if not kind.throttled]
        stale = _stale(now, self.throttle, unthrottled)
        with self.store.session() as db:
            candidates = db.scalars(
                select(m.id).where(stale, self._known()).order_by(m.id).limit(5)
            ).all()
        for id_ in candidates:
            with self.store.session() as db:
                version = db.execute(
                    update(m)
                    .where(m.id == id_, stale)
                    .values(claimed_until=now + CLAIM, drawing=m.wanted)
                    .returning(m.wanted)
                ).scalar()
                row = db.get(m, id_) if version is not None else None
                if row is not None and version is not None:
                    db.expunge(row)
                    return row, version
        return None

    def _set(self, row_id: int, **values: object) -> None:
        self.steps.set(row_id, **values)

    def _draw(
        self, row: ChannelMessage, ts: str, version: int | None = None
    ) -> tuple[Drawing | None, int]:
        """The drawing, and the version it shows: a redraw's claim read it (`version`); a post
        reads it here, before drawing, so a change committed while drawing owes another."""
        if row.kind == STORED:
            stored = json.loads(row.body)
            reply = Reply(stored["text"], stored["blocks"])
            return Drawing(stored["channel"], reply), row.wanted
        kind = self.kinds.get(row.kind)
        if kind is None:
            raise LookupError(f"nothing draws {row.kind!r} in this process")
        with self.store.session() as db:
            if version is None:
                read = select(ChannelMessage.wanted).where(ChannelMessage.id == row.id)
                version = db.scalar(read) or 0
            return kind.draw(db, row.ref, ts), version

    # ---- one post ----------------------------------------------------------------------------
    def _post(self, row: ChannelMessage) -> None:
        step = "drawing"
        try:
            drawing, version = self._draw(row, "")
            if drawing is None:
                self._set(row.id, state=OutboxState.SKIPPED, claimed_until=None)
                return
            thread = ""
            if row.thread_key:
                with self.store.session() as db:
                    parent = db.execute(
                        select(ChannelMessage.state, ChannelMessage.ts).where(
                            ChannelMessage.key == row.thread_key
                        )
                    ).first()
                if parent is not None and parent.state == OutboxState.SENT:
                    thread = parent.ts
                elif parent is not None and parent.state not in (
                    OutboxState.FAILED,
                    OutboxState.SKIPPED,
                ):  # its thread is not in the channel yet: after it, not as a failure
                    self._set(
                        row.id,
                        state=OutboxState.UNKNOWN
                        if row.state == OutboxState.CHECKING
                        else OutboxState.PENDING,
                        due_at=self.clock() + PARENT_WAIT,
                        attempts=row.attempts - 1,
                        claimed_until=None,
                    )
                    return
                # a thread that will never be there: the reply goes to the channel instead
            if row.state == OutboxState.CHECKING:
                step = "checking"
                found = slack_calls.find_posted(
                    self.client,
                    row.channel_id or drawing.channel,
                    row.key,
                    since=row.created_at,
                    thread=thread,
                )
                if found:
                    log.info("post %s had reached the channel after all", row.key)
                    self._sent(row, found, drawing, version)
                    return
            if not self.steps.mark_posting(row, channel_id=drawing.channel):
                log.info("post %s was taken over; not posting it", row.key)
                return
            step = "posting"
            answer = self.client.chat_postMessage(
                channel=drawing.channel,
                text=drawing.reply.text,
                blocks=drawing.reply.blocks,
                unfurl_links=False,
                thread_ts=thread or None,
                metadata=slack_calls.metadata(row.key),
            )
            self._sent(row, str(answer.get("ts") or ""), drawing, version)
        except SlackApiError as exc:
            again, delay, error = steps.refusal(exc)
            if not again:
                log.error("post %s refused: %s", row.key, error)
                self.steps.failed(row, error)
                return
            self._retry(row, delay, error, exc.response.status_code == 429)
        except Exception as exc:  # network errors, timeouts; a drawer that failed
            log.warning("post %s: %s", row.key, exc, exc_info=step == "drawing")
            if step == "posting":  # Slack may have it: looked for before posting again
                self.steps.unknown(row, str(exc))
            else:
                self._retry(row, None, str(exc), False)

    def _sent(self, row: ChannelMessage, ts: str, drawing: Drawing, version: int) -> None:
        now = self.clock()
        kind = self.kinds.get(row.kind)
        with self.store.session() as db:
            db.execute(
                update(ChannelMessage)
                .where(ChannelMessage.id == row.id)
                .values(
                    state=OutboxState.SENT,
                    ts=ts,
                    channel_id=drawing.channel,
                    sent_at=now,
                    claimed_until=None,
                    last_error="",
                    attempts=0,
                    drawn=version,
                    # not a redraw: the first change after a post is drawn at once, the
                    # throttle only holds back a burst of redraws
                    drawn_at=None,
                    shape=_shape(drawing.reply),
                )
            )
            if kind is not None and kind.sent is not None:
                kind.sent(db, row.ref, ts)
            if PART not in row.ref:  # the first part owes the rest, drawn when each is sent
                for n in range(1, drawing.parts):
                    owe(
                        db,
                        key=f"{row.key}{PART}{n}",
                        kind=row.kind,
                        ref=f"{row.ref}{PART}{n}",
                        thread=row.thread_key,
                        now=now,
                    )
        if drawing.parts > 1:
            self.nudge()

    def _retry(self, row: ChannelMessage, delay: float | None, error: str, limited: bool) -> None:
        if limited and delay is not None:  # Slack asked for quiet: the whole drain waits
            self._paused_until = self.clock() + dt.timedelta(seconds=delay)
        self.steps.retry(row, delay, error, f"post {row.key}")

    # ---- one redraw --------------------------------------------------------------------------
    def _redraw(self, row: ChannelMessage, version: int) -> None:
        try:
            drawing, _ = self._draw(row, row.ts, version)
            sent = False
            shape = row.shape
            if drawing is not None and _shape(drawing.reply) != row.shape:
                self.client.chat_update(
                    channel=row.channel_id,
                    ts=row.ts,
                    text=drawing.reply.text,
                    blocks=drawing.reply.blocks,
                )
                sent, shape = True, _shape(drawing.reply)
            self._drawn(row, version, shape, sent)
        except SlackApiError as exc:
            again, delay, error = steps.refusal(exc)
            if again and row.attempts < MAX_ATTEMPTS:
                if exc.response.status_code == 429 and delay is not None:
                    self._paused_until = self.clock() + dt.timedelta(seconds=delay)
                self._redraw_later(row, delay, error)
            else:  # message_not_found, cant_update_message, ...: this version cannot land
                log.error("redraw of %s refused: %s", row.key, error)
                self._drawn(row, version, row.shape, False, error)
        except Exception as exc:  # a network error: an update is safe to send again
            log.warning("redraw of %s: %s", row.key, exc, exc_info=True)
            self._redraw_later(row, None, str(exc))

    def _drawn(
        self, row: ChannelMessage, version: int, shape: str, sent: bool, error: str = ""
    ) -> None:
        m = ChannelMessage
        values: dict[str, object] = {"claimed_until": None, "attempts": 0, "last_error": error}
        with self.store.session() as db:
            # never back: a slower redraw of an older version records nothing
            db.execute(
                update(m)
                .where(m.id == row.id, m.drawn < version)
                .values(drawn=version, shape=shape, **({"drawn_at": self.clock()} if sent else {}))
            )
            db.execute(update(m).where(m.id == row.id).values(**values))

    def _redraw_later(self, row: ChannelMessage, delay: float | None, error: str) -> None:
        attempts = row.attempts + 1
        wait = delay if delay is not None else slack_calls.backoff(attempts)
        self._set(
            row.id,
            due_at=self.clock() + dt.timedelta(seconds=wait),
            claimed_until=None,
            attempts=attempts,
            last_error=error[:300],
        )
