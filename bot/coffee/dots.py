"""Dots: a voter's click, the hottest request the bot gets, in one short transaction.

A person's dots fill numbered slots 1..budget under the primary key (meetup, user, slot), so
no burst of clicks can overspend a budget or lose a vote: two clicks racing for the same slot
cannot both win, and the loser reads again and is told. The rules are written once, for both
databases (`_refusal`, `_Seen.taking`), and carried out by the same statements:

    read the meetup, the topic and this person's dots, and (PostgreSQL) lock the meetup's
    channel messages in the same statement (channel.locking_group, in changed()'s order),
    insert into the lowest free slot or delete the highest dot on this topic (each checking
    again, as it runs, that voting is open),
    owe the meetup's messages their redraw (channel.bump), commit.

The click and the redraw it owes commit together, and no drain can claim or record a message
between the click's decision and its commit: a vote is never counted without its redraw owed,
and a process killed right after the ack leaves the count owed to the channel. A transition
(a close, a cancel) locks the same messages first (changed()), so it waits for the clicks
under way, and a click that waited for it finds voting closed when it writes.

On PostgreSQL the messages are locked FOR SHARE: while they owe a redraw already (most of a
burst, even while the courier draws one), clicks need no bump and run side by side. A click
that finds a bump needed starts again under the exclusive lock (as changed() takes it), so
two clicks never wait for each other's shared lock; a click after one that needed it takes
the exclusive lock at once. SQLite has no row locks and one writer at a time: the bump's own
condition decides inside the write, and clicks take turns at the store
(`Store.writing`) instead of polling for SQLite's file lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import InterfaceError as WrappedInterfaceError
from sqlalchemy.exc import OperationalError as WrappedOperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.delivery import channel
from bot.store import DatabaseBusy, Store, rowcount
from bot.store.models import CoffeeMeetup, CoffeeTopic, CoffeeVote

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
    meetup_id: int,
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
    mid-click gets the voter a "try again" (BUSY): the click is one transaction, so it never
    leaves half a click behind.
    """
    key = {"meetup_id": meetup_id, "topic_id": topic_id, "user": user_id, "group": group}
    dbapi = store.engine.dialect.loaded_dbapi
    try:
        for _ in range(RACES):
            outcome = _click(store, key, now, add)
            if outcome is not None:
                return outcome
    except (
        dbapi.OperationalError,
        dbapi.InterfaceError,
        WrappedOperationalError,  # the same, as SQLAlchemy wraps them
        WrappedInterfaceError,
        PoolTimeout,
        DatabaseBusy,
    ) as exc:
        log.warning("vote on %s:%s not recorded: %s", meetup_id, topic_id, exc)
        return VoteResult("refused", 0, 0, BUSY)
    return VoteResult("refused", 0, 0, "Too many clicks at once; please try again.")


# the meetup, the topic and this person's dots, in one read
_T, _V = CoffeeTopic.__table__.alias("t"), CoffeeVote.__table__.alias("v")
_READ = (
    select(
        CoffeeMeetup.state,
        CoffeeMeetup.votes_per_person,
        CoffeeMeetup.multi_dots,
        _T.c.title,
        _T.c.state,
        _V.c.slot,
        _V.c.topic_id,
    )
    .select_from(CoffeeMeetup)
    .outerjoin(_T, and_(_T.c.id == bindparam("topic_id"), _T.c.meetup_id == CoffeeMeetup.id))
    .outerjoin(_V, and_(_V.c.meetup_id == CoffeeMeetup.id, _V.c.user_id == bindparam("user")))
    .where(CoffeeMeetup.id == bindparam("meetup_id"))
)
# PostgreSQL: the same read also locks the meetup's channel messages (shared, or exclusive to
# bump them) and says whether the click must owe them a redraw, in one round trip
_READ_LOCKING = {
    shared: _READ.add_columns(channel.locking_group(shared=shared)) for shared in (True, False)
}
# the insert checks again, as it runs, that voting is open and the topic still there: on
# SQLite the read above is not yet in the write's transaction, and on PostgreSQL the read's
# snapshot may be older than the lock it waited for
_ADD = (
    insert(CoffeeVote)
    .from_select(
        ["meetup_id", "user_id", "slot", "topic_id", "repeat", "cast_at"],
        select(
            CoffeeTopic.meetup_id,
            bindparam("user", type_=CoffeeVote.user_id.type),
            bindparam("slot", type_=CoffeeVote.slot.type),
            CoffeeTopic.id,
            bindparam("repeat", type_=CoffeeVote.repeat.type),
            bindparam("now", type_=CoffeeVote.cast_at.type),
        )
        .join(CoffeeMeetup, CoffeeMeetup.id == CoffeeTopic.meetup_id)
        .where(
            CoffeeTopic.id == bindparam("topic_id"),
            CoffeeTopic.meetup_id == bindparam("meetup_id"),
            CoffeeTopic.state == "open",
            CoffeeMeetup.state == "voting",
        ),
    )
    .returning(CoffeeVote.slot)
)
# ... and so does the take-back: it deletes nothing once voting has closed, or once the dot
# was moved to another topic (a merge), and the click reads again
_TAKE_BACK = delete(CoffeeVote).where(
    CoffeeVote.meetup_id == bindparam("meetup_id"),
    CoffeeVote.user_id == bindparam("user"),
    CoffeeVote.slot == bindparam("slot"),
    CoffeeVote.topic_id == bindparam("topic_id"),
    exists().where(CoffeeMeetup.id == CoffeeVote.meetup_id, CoffeeMeetup.state == "voting"),
)


class _Exclusive(Exception):
    """The click would owe a redraw: it starts again under the exclusive lock."""


# group -> whether its last click in this process had to owe the redraw (nobody owed one, or
# one was being drawn): the next click likely must too, so it takes the exclusive lock at once
# instead of trying the shared one first (only a hint: a wrong guess costs a wait or a second
# try, never a lost redraw). People clicking one at a time each owe a redraw; a burst mostly
# does not.
_OWES: dict[str, bool] = {}


def _click(store: Store, key: dict[str, Any], now: dt.datetime, add: bool) -> VoteResult | None:
    """One attempt at a click; None when a race was lost (the same person's click in another
    process took the slot first) and it should be read again."""
    group, postgres = key["group"], store.dialect == "postgresql"
    shared = postgres and not _OWES.get(group, False)
    while True:
        with store.writing(), store.engine.connect() as conn:
            try:
                with conn.begin():
                    return _decide_and_write(conn, key, now, add, postgres, shared)
            except _Exclusive:
                shared = False  # rolled back: no lock of this click is held any more
            except IntegrityError:
                return None


def _decide_and_write(
    conn: Connection,
    key: dict[str, Any],
    now: dt.datetime,
    add: bool,
    postgres: bool,
    shared: bool,
) -> VoteResult | None:
    # (SQLite has no row locks: its one writer, and the bump's own condition in the write,
    # do the lock's work there)
    rows = conn.execute(_READ_LOCKING[shared] if postgres else _READ, key).all()
    if not rows:
        return VoteResult("refused", 0, 0, "Voting is not open for this meetup.")
    state, budget, multi, title, topic_state, *_ = rows[0]
    if postgres:
        needs = rows[0][-1] > 0
        if len(_OWES) > 1000:
            _OWES.clear()
        _OWES[key["group"]] = needs
        if needs and shared:
            raise _Exclusive
    # under the shared lock nothing can come to need a bump before the commit
    owe = not shared
    dots = [(row[5], row[6]) for row in rows if row[5] is not None]
    mine = [slot for slot, topic_id in dots if topic_id == key["topic_id"]]
    taken = {slot for slot, _ in dots}
    free = [n for n in range(1, budget + 1) if n not in taken]
    seen = _Seen(
        state, budget, bool(multi), title, topic_state, len(dots), len(mine),
        max(mine, default=None), free[0] if free else None,
    )  # fmt: skip
    refused = _refusal(seen, add)
    if refused is not None:
        return refused
    if seen.taking(add):
        wrote = rowcount(conn.execute(_TAKE_BACK, {**key, "slot": seen.last})) == 1
    else:
        slot = seen.free
        params = {**key, "slot": slot, "repeat": slot if seen.multi else 0, "now": now}
        if conn.execute(_ADD, params).first() is None:  # closed, or withdrawn, since the read
            return VoteResult("refused", 0, seen.budget, "Voting has closed for this meetup.")
        wrote = True
    if not wrote:  # taken back by the same person's other click first, moved, or closed
        return None
    if owe:
        channel.bump(conn, key["group"])
    return _written(seen, add)
