"""The lean-coffee meeting's moves over the database: it begins, topics are discussed in turn
in timeboxes that can be extended, and it ends (what it looks like: board_state.py; Roman votes
and takeaways: voices.py; the Slack side: board.py; buttons: meeting_listeners.py).

Everything several people or processes might race is decided by one conditional update or a
unique key: the topic under discussion moves only from the one the mover saw, a timebox is
extended once per round, a timebox runs out once (the clock that claims it posts its Roman
vote), and a meeting ends once (the caller that ended it posts the summary and carries).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.coffee import topics
from bot.coffee.board_state import aware, extension
from bot.coffee.service import (
    CoffeeError,
    ensure_next_session,
    meetup,
    rowcount,
    series_of,
)
from bot.coffee.voices import RUNNING
from bot.store.models import CoffeeMeetup, CoffeeSeries, CoffeeTimebox, CoffeeTopic

ENDED = "ended"
STARTS_LATE = dt.timedelta(hours=2)  # a meeting the clock may still begin after its start
STALE = dt.timedelta(hours=12)  # an organiser may still start one by hand


# ---- beginning ----------------------------------------------------------------------------------


def live(db: Session, series_id: int, now: dt.datetime) -> CoffeeMeetup | None:
    """The series' meetup whose meeting can run now: its latest closed one, unless that
    meeting has ended, or never began and its start is long past (history, not a meeting)."""
    s = db.scalar(
        select(CoffeeMeetup)
        .where(CoffeeMeetup.series_id == series_id, CoffeeMeetup.state == "closed")
        .order_by(CoffeeMeetup.starts_at.desc())
        .limit(1)
    )
    if s is None or s.meeting == ENDED:
        return None
    if not s.meeting and aware(s.starts_at) < now - STALE:
        return None
    return s


def begin(db: Session, session_id: int, by: str, now: dt.datetime) -> bool:
    """The meeting begins (by the clock when `by` is empty); True for the one caller that
    began it. A meeting already running with no facilitator takes `by` as its facilitator."""
    began = db.execute(
        update(CoffeeMeetup)
        .where(
            CoffeeMeetup.id == session_id,
            CoffeeMeetup.state == "closed",
            CoffeeMeetup.meeting == "",
        )
        .values(meeting=RUNNING, facilitator=by, began_at=now)
    )
    if rowcount(began) == 1:
        return True
    if by:
        db.execute(
            update(CoffeeMeetup)
            .where(
                CoffeeMeetup.id == session_id,
                CoffeeMeetup.meeting == RUNNING,
                CoffeeMeetup.facilitator == "",
            )
            .values(facilitator=by)
        )
    return False


def due_to_begin(db: Session, now: dt.datetime) -> list[int]:
    """Closed meetups whose start time has come, whose agenda is in the channel (it becomes
    the board) and whose meeting has not begun (a meetup closed long ago is history, not a
    meeting to begin)."""
    return list(
        db.scalars(
            select(CoffeeMeetup.id).where(
                CoffeeMeetup.state == "closed",
                CoffeeMeetup.meeting == "",
                CoffeeMeetup.agenda_ts != "",
                CoffeeMeetup.starts_at <= now,
                CoffeeMeetup.starts_at > now - STARTS_LATE,
            )
        ).all()
    )


# ---- the topic under discussion -----------------------------------------------------------------


def _claim_current(db: Session, s: CoffeeMeetup, seen: int | None, to: int | None) -> bool:
    """Move the meeting's current topic from `seen` to `to`: only the first mover wins."""
    now_is = (
        CoffeeMeetup.current_topic_id.is_(None)
        if seen is None
        else CoffeeMeetup.current_topic_id == seen
    )
    moved = db.execute(
        update(CoffeeMeetup)
        .where(CoffeeMeetup.id == s.id, CoffeeMeetup.meeting == RUNNING, now_is)
        .values(current_topic_id=to)
    )
    return rowcount(moved) == 1


def _finish(db: Session, topic_id: int, now: dt.datetime) -> None:
    db.execute(
        update(CoffeeTopic)
        .where(CoffeeTopic.id == topic_id, CoffeeTopic.discussed.is_(False))
        .values(discussed=True, discussed_at=now)
    )


def _undiscussed(db: Session, session_id: int, but: int | None = None) -> list[topics.TopicLine]:
    return [t for t in topics.topics(db, session_id) if not t.discussed and t.id != but]


def start_next(db: Session, session_id: int, now: dt.datetime, seen: int | None) -> int | None:
    """The current topic (the one the caller saw, `seen`) is done and the top-ranked topic not
    yet discussed begins its first timebox. Returns the new topic's id; None when none is left
    (the caller ends the meeting)."""
    s = meetup(db, session_id)
    if s.meeting != RUNNING:
        raise CoffeeError("The meeting is not running.")
    if s.current_topic_id != seen:
        raise CoffeeError("Someone moved the meeting on already; the board shows where it is.")
    waiting = _undiscussed(db, session_id, but=seen)
    nxt = waiting[0].id if waiting else None
    if not _claim_current(db, s, seen, nxt):
        raise CoffeeError("Someone moved the meeting on already; the board shows where it is.")
    if seen is not None:
        _finish(db, seen, now)
    if nxt is None:
        return None
    minutes = series_of(db, s).timebox
    db.execute(update(CoffeeTopic).where(CoffeeTopic.id == nxt).values(discussing_at=now))
    db.add(
        CoffeeTimebox(
            topic_id=nxt, round=0, starts_at=now, ends_at=now + dt.timedelta(minutes=minutes),
            expired=False, vote_ts="", outcome="",
        )
    )  # fmt: skip
    db.flush()
    return nxt


def done(db: Session, session_id: int, topic_id: int, now: dt.datetime) -> bool:
    """A topic was discussed (the current one, or one the group settled without a timebox).
    True when no topic is left to discuss: the caller ends the meeting."""
    s = meetup(db, session_id)
    topic = db.get(CoffeeTopic, topic_id)
    if topic is None or topic.session_id != s.id or topic.state != "open":
        raise CoffeeError("That topic is not on this meetup's agenda.")
    if s.meeting == RUNNING and s.current_topic_id == topic_id:
        if not _claim_current(db, s, topic_id, None):
            raise CoffeeError("Someone moved the meeting on already; the board shows where it is.")
        if topic.discussing_at is not None:
            _finish(db, topic_id, now)
        else:
            topic.discussed = True
    elif topic.discussed:
        raise CoffeeError("That topic is already marked as discussed.")
    else:
        topic.discussed = True
    db.flush()
    return s.meeting == RUNNING and not _undiscussed(db, session_id)


def latest_box(db: Session, topic_id: int) -> CoffeeTimebox | None:
    return db.scalar(
        select(CoffeeTimebox)
        .where(CoffeeTimebox.topic_id == topic_id)
        .order_by(CoffeeTimebox.round.desc())
        .limit(1)
    )


def _open_box(db: Session, session_id: int, box_id: int) -> tuple[CoffeeMeetup, CoffeeTimebox]:
    s = meetup(db, session_id)
    box = db.get(CoffeeTimebox, box_id)
    latest = latest_box(db, box.topic_id) if box is not None else None
    if (
        box is None
        or s.meeting != RUNNING
        or s.current_topic_id != box.topic_id
        or latest is None
        or latest.id != box.id
        or box.outcome
    ):
        raise CoffeeError("That timebox is settled already; the board shows where the meeting is.")
    return s, box


def extend(db: Session, session_id: int, box_id: int, now: dt.datetime) -> int:
    """One more, shorter timebox for the current topic; returns its minutes. Two clicks add
    one round: the second insert breaks the unique (topic, round)."""
    s, box = _open_box(db, session_id, box_id)
    minutes = extension(_extensions(series_of(db, s)), box.round)
    starts = max(now, aware(box.ends_at))
    try:
        with db.begin_nested():
            db.add(
                CoffeeTimebox(
                    topic_id=box.topic_id, round=box.round + 1, starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=minutes), expired=False, vote_ts="",
                    outcome="",
                )
            )  # fmt: skip
    except IntegrityError:
        raise CoffeeError("The timebox was extended already.") from None
    # extended before it ran out: no Roman vote is owed for it any more
    box.outcome, box.expired = "extended", True
    return minutes


def move_on(db: Session, session_id: int, box_id: int, now: dt.datetime) -> int | None:
    """The Roman vote said move on: the topic is done and the next begins (None: none left)."""
    _, box = _open_box(db, session_id, box_id)
    decided = db.execute(
        update(CoffeeTimebox)
        .where(CoffeeTimebox.id == box.id, CoffeeTimebox.outcome == "")
        .values(outcome="moved on", expired=True)
    )
    if rowcount(decided) != 1:
        raise CoffeeError("That timebox is settled already.")
    return start_next(db, session_id, now, box.topic_id)


def _extensions(series: CoffeeSeries) -> tuple[int, ...]:
    return tuple(int(m) for m in series.extensions.split(",") if m.isdigit())


def expire_due(db: Session, now: dt.datetime) -> list[int]:
    """Timeboxes of topics under discussion that ran out, each claimed by one conditional
    update: only the caller that claimed one posts its Roman vote, whatever clocks run."""
    due = db.scalars(
        select(CoffeeTimebox.id)
        .join(CoffeeMeetup, CoffeeMeetup.current_topic_id == CoffeeTimebox.topic_id)
        .where(
            CoffeeTimebox.expired.is_(False),
            CoffeeTimebox.ends_at <= now,
            CoffeeMeetup.meeting == RUNNING,
        )
    ).all()
    claimed = []
    for box_id in due:
        changed = db.execute(
            update(CoffeeTimebox)
            .where(CoffeeTimebox.id == box_id, CoffeeTimebox.expired.is_(False))
            .values(expired=True)
        )
        if rowcount(changed) == 1:
            claimed.append(box_id)
    return claimed


# ---- the end ------------------------------------------------------------------------------------


def end(db: Session, session_id: int, now: dt.datetime) -> bool:
    """The meeting ends; True for the one caller that ended it (it posts the summary)."""
    s = meetup(db, session_id)
    current = s.current_topic_id
    ended = db.execute(
        update(CoffeeMeetup)
        .where(
            CoffeeMeetup.id == session_id,
            CoffeeMeetup.state == "closed",
            CoffeeMeetup.meeting.in_(("", RUNNING)),
        )
        .values(meeting=ENDED, ended_at=now, current_topic_id=None)
    )
    if rowcount(ended) != 1:
        return False
    if current is not None:
        _finish(db, current, now)
    return True


def carry_after(db: Session, session_id: int, now: dt.datetime) -> topics.Carried | None:
    """Undiscussed topics to the next meetup, votes reset, unless the series says not to."""
    s = meetup(db, session_id)
    series = series_of(db, s)
    if not series.carry:
        return None
    return topics.carry_over(db, s, ensure_next_session(db, series, now), now)
