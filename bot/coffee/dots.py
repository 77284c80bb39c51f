"""Dots: a voter's click, the hottest request the bot gets, in one trip to the database.

A person's dots fill numbered slots 1..budget under the primary key (session, user, slot), so
no burst of clicks can overspend a budget or lose a vote: two clicks racing for the same slot
cannot both win, and the loser reads again and is told. The rules are decided once, in Python
(`_refusal`, `_Seen.taking`); each database gets the statements that carry them out fastest:

- PostgreSQL: one statement in its own transaction (one round trip, no BEGIN or COMMIT): a CTE
  reads the meetup, the topic and this person's dots, then inserts into the lowest free slot
  or deletes the highest dot on this topic, owes the meetup's messages their redraw when it
  wrote, and returns what it saw and whether it wrote.
- SQLite (in this process, a file): a read, then a conditional write and the redraw owed,
  under the store's write lock, so clicks queue in the process instead of polling for
  SQLite's file lock.

Either way the click and the redraw it owes commit together (`channel.bump_sql`, the condition
of `channel.changed`): a process killed right after the ack leaves the count owed to the channel.

Both run on the pool's raw DB-API connection: on a path this short, SQLAlchemy's own
per-statement work costs more than the statement itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.exc import OperationalError as WrappedOperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.delivery.channel import bump_sql
from bot.store import DatabaseBusy, Store

log = logging.getLogger(__name__)

BUSY = "I could not reach my database just now. Please try again in a moment."
RACES = 25  # each retry follows another click by the same person winning a race


@dataclass(frozen=True)
class VoteResult:
    done: str  # "added", "removed", "already" (a Vote click on a topic it has), or "refused"
    left: int  # votes this person has left
    budget: int
    message: str = ""
    topic: str = ""  # the topic's title, for the voter's private confirmation
    on_topic: int = 0  # this person's dots on that topic now


@dataclass(frozen=True)
class _Seen:
    """What a click found: the meetup's rules, the topic, and this person's dots."""

    state: str | None  # the meetup's; None when there is no such meetup
    budget: int
    multi: bool
    title: str | None  # None when the topic is not this meetup's
    topic_state: str | None
    used: int  # this person's dots in the meetup
    mine: int  # ... of them on this topic
    last: int | None  # the highest slot among those on this topic: the one a take-back frees
    free: int | None  # the lowest slot still free: the one a new dot takes

    def taking(self, add: bool) -> bool:
        """A take-back click (_CLICK_POSTGRES says the same). A Vote click only ever adds: a
        double click, or a click Slack sent twice, cannot take the vote back."""
        return not add


def _refusal(seen: _Seen, add: bool) -> VoteResult | None:
    """Why this click changes nothing, or None when it should write."""
    if seen.state != "voting":
        return VoteResult("refused", 0, 0, "Voting is not open for this meetup.")
    left = seen.budget - seen.used
    if seen.title is None or seen.topic_state != "open":
        return VoteResult("refused", left, seen.budget, "That topic is no longer on the list.")
    if seen.taking(add):
        if not seen.mine:
            return VoteResult("refused", left, seen.budget, "You have no vote on that topic.")
        return None
    if seen.mine and not seen.multi:  # one dot a topic, and it has this person's already
        return VoteResult("already", left, seen.budget, "", seen.title, seen.mine)
    if seen.free is None:
        return VoteResult(
            "refused",
            0,
            seen.budget,
            f"You have used all {seen.budget} of your votes; click a topic you voted for "
            "to take that vote back.",
            seen.title,
            seen.mine,
        )
    return None


def _written(seen: _Seen, add: bool) -> VoteResult:
    left = seen.budget - seen.used
    if seen.taking(add):
        return VoteResult("removed", left + 1, seen.budget, "", seen.title or "", seen.mine - 1)
    return VoteResult("added", left - 1, seen.budget, "", seen.title or "", seen.mine + 1)


def vote(
    store: Store,
    session_id: int,
    topic_id: int,
    user_id: str,
    now: dt.datetime,
    *,
    add: bool,
    group: str,
) -> VoteResult:
    """Add a dot (or, with add=False, take one back); a click that changed something owes a
    redraw of the channel messages of `group` in its own transaction.

    A database that does not answer in time, has no connection to spare, or drops one
    mid-click gets the voter a "try again" (BUSY): the click is one statement or one
    transaction, so it never leaves half a click behind.
    """
    key = {"session_id": session_id, "topic_id": topic_id, "user": user_id, "group": group}
    click = _click_postgres if store.dialect == "postgresql" else _click_sqlite
    dbapi = store.engine.dialect.loaded_dbapi
    try:
        for _ in range(RACES):
            outcome = click(store, key, now, add)
            if outcome is not None:
                return outcome
    except (
        dbapi.OperationalError,
        dbapi.InterfaceError,
        WrappedOperationalError,  # the same, as SQLAlchemy wraps it on connecting
        PoolTimeout,
        DatabaseBusy,
    ) as exc:
        log.warning("vote on %s:%s not recorded: %s", session_id, topic_id, exc)
        return VoteResult("refused", 0, 0, BUSY)
    return VoteResult("refused", 0, 0, "Too many clicks at once; please try again.")


@contextmanager
def _connection(store: Store) -> Iterator[Any]:
    """A DB-API connection from the store's pool; one the server dropped mid-click is
    thrown away, not handed to the next click."""
    conn = store.engine.raw_connection()
    try:
        yield conn.driver_connection
    except Exception as exc:
        # typed for DB-API errors only; any other exception simply is not a disconnect
        if store.engine.dialect.is_disconnect(cast(Any, exc), conn.driver_connection, None):
            conn.invalidate(exc)
        raise
    finally:
        conn.close()


# ---- PostgreSQL: the whole click in one statement ---------------------------------------------
# `go` holds the click only when it should write; `added` takes the lowest free slot (a race
# lost on the primary key inserts nothing), `removed` the highest dot on this topic (a race
# lost finds it gone). `wrote` = 0 while the rest says "write" sends the click round again.
# `bumped` owes the redraw only when one of them wrote (PostgreSQL runs every data-modifying
# member of a WITH, read or not).
_CLICK_POSTGRES = (
    """
WITH s AS (
    SELECT state, votes_per_person AS budget, multi_dots AS multi
    FROM coffee_sessions WHERE id = %(session_id)s
), used AS (
    SELECT slot, topic_id FROM coffee_votes
    WHERE session_id = %(session_id)s AND user_id = %(user)s
), seen AS (
    SELECT s.state, s.budget, s.multi, t.title, t.state AS topic_state,
        (SELECT count(*) FROM used) AS used,
        (SELECT count(*) FROM used WHERE topic_id = %(topic_id)s) AS mine,
        (SELECT max(slot) FROM used WHERE topic_id = %(topic_id)s) AS last,
        (SELECT min(n) FROM generate_series(1, s.budget) AS n
            WHERE n NOT IN (SELECT slot FROM used)) AS free
    FROM s LEFT JOIN coffee_topics AS t
        ON t.id = %(topic_id)s AND t.session_id = %(session_id)s
), go AS (
    SELECT seen.*, NOT %(add)s AS taking
    FROM seen WHERE seen.state = 'voting' AND seen.topic_state = 'open'
), added AS (
    INSERT INTO coffee_votes (session_id, user_id, slot, topic_id, repeat, cast_at)
    SELECT %(session_id)s, %(user)s, go.free, %(topic_id)s,
        CASE WHEN go.multi THEN go.free ELSE 0 END, %(now)s
    FROM go WHERE NOT go.taking AND go.free IS NOT NULL AND (go.multi OR go.mine = 0)
    ON CONFLICT DO NOTHING
    RETURNING slot
), removed AS (
    DELETE FROM coffee_votes AS v USING go
    WHERE go.taking AND v.session_id = %(session_id)s AND v.user_id = %(user)s
        AND v.slot = go.last
    RETURNING v.slot
), bumped AS (
    """
    + bump_sql("%(group)s")
    + """
        AND EXISTS (SELECT 1 FROM added UNION ALL SELECT 1 FROM removed)
    RETURNING 1
)
SELECT seen.*, (SELECT count(*) FROM added) + (SELECT count(*) FROM removed) AS wrote
FROM seen
"""
)


def _click_postgres(store: Store, key: dict, now: dt.datetime, add: bool) -> VoteResult | None:
    """One attempt at a click; None when a race was lost and it should be tried again."""
    with _connection(store) as conn:
        conn.autocommit = True  # the statement commits itself: no BEGIN, no COMMIT
        try:
            row = conn.execute(_CLICK_POSTGRES, {**key, "now": now, "add": add}).fetchone()
        finally:
            if not conn.closed and not conn.broken:
                conn.autocommit = False  # as the pool hands connections out
    if row is None:
        return VoteResult("refused", 0, 0, "Voting is not open for this meetup.")
    *fields, wrote = row
    seen = _Seen(*fields)
    refused = _refusal(seen, add)
    if refused is not None:
        return refused
    return _written(seen, add) if wrote else None


# ---- SQLite: a read and a conditional write, under the store's write lock -----------------------
_READ_SQLITE = """
SELECT s.state, s.votes_per_person, s.multi_dots, t.title, t.state, v.slot, v.topic_id
FROM coffee_sessions AS s
LEFT JOIN coffee_topics AS t ON t.id = :topic_id AND t.session_id = s.id
LEFT JOIN coffee_votes AS v ON v.session_id = s.id AND v.user_id = :user
WHERE s.id = :session_id
"""
# the insert re-checks, at the moment it runs, that voting is open and the topic still there
_ADD_SQLITE = """
INSERT INTO coffee_votes (session_id, user_id, slot, topic_id, repeat, cast_at)
SELECT :session_id, :user, :slot, t.id, :repeat, :now
FROM coffee_topics AS t JOIN coffee_sessions AS s ON s.id = t.session_id
WHERE t.id = :topic_id AND t.session_id = :session_id AND t.state = 'open'
    AND s.state = 'voting'
RETURNING slot
"""
_TAKE_BACK_SQLITE = """
DELETE FROM coffee_votes WHERE session_id = :session_id AND user_id = :user AND slot = :slot
"""
_BUMP_SQLITE = bump_sql(":group")  # in the click's transaction, which already writes


def _sqlite_time(now: dt.datetime) -> str:
    """cast_at as the models store it on SQLite: UTC text in SQLAlchemy's documented default
    DATETIME storage format, so the ORM reads the click's row back like any other."""
    return now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _click_sqlite(store: Store, key: dict, now: dt.datetime, add: bool) -> VoteResult | None:
    """One attempt at a click; None when a race was lost and it should be read again. A click
    of another process on the same file is caught by the primary key."""
    with store.writing(), _connection(store) as conn:
        rows = conn.execute(_READ_SQLITE, key).fetchall()
        if not rows:
            return VoteResult("refused", 0, 0, "Voting is not open for this meetup.")
        state, budget, multi, title, topic_state, _, _ = rows[0]
        dots = [(slot, topic) for *_, slot, topic in rows if slot is not None]
        mine = [slot for slot, topic in dots if topic == key["topic_id"]]
        taken = {slot for slot, _ in dots}
        free = [n for n in range(1, budget + 1) if n not in taken]
        seen = _Seen(
            state, budget, bool(multi), title, topic_state, len(dots), len(mine),
            max(mine, default=None), free[0] if free else None,
        )  # fmt: skip
        refused = _refusal(seen, add)
        if refused is not None:
            return refused
        try:
            if seen.taking(add):
                wrote = conn.execute(_TAKE_BACK_SQLITE, {**key, "slot": seen.last}).rowcount == 1
            else:
                slot, when = seen.free, _sqlite_time(now)
                params = {**key, "slot": slot, "repeat": slot if seen.multi else 0, "now": when}
                wrote = conn.execute(_ADD_SQLITE, params).fetchone() is not None
                if not wrote:  # closed, or the topic withdrawn, since the read
                    conn.rollback()
                    return VoteResult("refused", 0, budget, "Voting has closed for this meetup.")
            if wrote:
                conn.execute(_BUMP_SQLITE, key)
            conn.commit()
        except store.engine.dialect.loaded_dbapi.IntegrityError:
            conn.rollback()
            return None  # the same person's click in another process took this slot or topic
    return _written(seen, add) if wrote else None
