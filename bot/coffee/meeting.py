"""The lean-coffee meeting's moves over the database: it begins, topics are discussed in turn
in timeboxes that can be extended, and it ends (what it looks like: board_state.py; Roman votes
and takeaways: voices.py; the Slack side: board.py; buttons: meeting_listeners.py).

Everything several people or processes might race is decided by one conditional update or a
unique key: the topic under discussion moves only from the one the mover saw, a timebox is
extended once per round, a timebox runs out once (the clock that claims it posts its Roman
vote), and a meeting ends once (the caller that ended it posts the summary and carries).

A meeting lasts its series' length from its start (or from when it began, if later): then the
clock's tick ends it as `/coffee end` does. A Roman vote still open when its topic moves on or
the meeting ends is closed with that outcome, so it stops counting and the summary says why.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.coffee import notices, topics
from bot.coffee.board_state import aware, extension
from bot.coffee.service import (
    CoffeeError,
    ensure_next_meetup,
    meetup,
    rowcount,
    series_of,
)
from bot.coffee.voices import RUNNING
from bot.store.models import CoffeeMeetup, CoffeeSeries, CoffeeTimebox, CoffeeTopic

ENDED = "ended"
MOVED_ON = "moved on"  # a Roman vote's outcome: its topic was left, by the vote or the board
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


def begin(db: Session, meetup_id: int, by: str, now: dt.datetime) -> bool:
    """The meeting begins (by the clock when `by` is empty); True for the one caller that
    began it. A meeting already running with no facilitator takes `by` as its facilitator."""
    began = db.execute(
        update(CoffeeMeetup)
        .where(
            CoffeeMeetup.id == meetup_id,
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
                CoffeeMeetup.id == meetup_id,
                CoffeeMeetup.meeting == RUNNING,
                CoffeeMeetup.facilitator == "",
            )
            .values(facilitator=by)
        )
    return False


def running(db: Session, series_id: int, before: dt.datetime | None = None) -> list[int]:
    """The series' meetings under way, oldest first (only those starting before `before`)."""
    query = select(CoffeeMeetup.id).where(
        CoffeeMeetup.series_id == series_id, CoffeeMeetup.meeting == RUNNING
    )
    if before is not None:
        query = query.where(CoffeeMeetup.starts_at < before)
    return list(db.scalars(query.order_by(CoffeeMeetup.starts_at)).all())


def older_running(db: Session, meetup_id: int) -> list[int]:
    """Meetings of the same series still running from before this meetup: ended before it
    begins, so one series never has two meetings on at once."""
    s = meetup(db, meetup_id)
    return running(db, s.series_id, before=s.starts_at)


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


# ---- the host ----------------------------------------------------------------------------------


def name_host(db: Session, meetup_id: int, user_id: str) -> None:
    """An organiser names the meetup's host ("" for none), until its meeting ends."""
    s = meetup(db, meetup_id)
    if s.meeting == ENDED or s.state == "cancelled":
        raise CoffeeError("That meetup is over; its host can no longer change.")
    s.host = user_id


def volunteer(db: Session, meetup_id: int, user_id: str) -> str:
    """A member offers to host ("I'll host"), when the series lets anyone: the first offer
    wins (one conditional update). Returns the meetup's host after the offer."""
    s = meetup(db, meetup_id)
    if not series_of(db, s).volunteer_hosts:
        raise CoffeeError("Organisers name this series' hosts; ask one of them.")
    if s.meeting == ENDED or s.state == "cancelled":
        raise CoffeeError("That meetup is over.")
    db.execute(
        update(CoffeeMeetup)
        .where(CoffeeMeetup.id == meetup_id, CoffeeMeetup.host == "")
        .values(host=user_id)
    )
    db.refresh(s)
    return s.host


def host_target(db: Session, series: CoffeeSeries, now: dt.datetime) -> CoffeeMeetup:
    """The meetup a host is named for: the series' meeting that can run now, else its next."""
    return live(db, series.id, now) or ensure_next_meetup(db, series, now)


def hosts(db: Session, series: CoffeeSeries, user_id: str, now: dt.datetime) -> bool:
    """Whether this member hosts the meetup that can run now (or the next, to start it)."""
    s = live(db, series.id, now)
    if s is not None and s.host == user_id:
        return True
    return ensure_next_meetup(db, series, now).host == user_id


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


def _close_votes(db: Session, topic_ids: list[int], outcome: str) -> None:
    """The open Roman votes of these topics stop counting, with why (their buttons go when
    the vote is redrawn; a later click is told the vote is over)."""
    if topic_ids:
        db.execute(
            update(CoffeeTimebox)
            .where(
                CoffeeTimebox.topic_id.in_(topic_ids),
                CoffeeTimebox.expired.is_(True),
                CoffeeTimebox.outcome == "",
            )
            .values(outcome=outcome)
        )


def _undiscussed(db: Session, meetup_id: int, but: int | None = None) -> list[topics.TopicLine]:
    return [t for t in topics.topics(db, meetup_id) if not t.discussed and t.id != but]


def start_next(
    db: Session, meetup_id: int, now: dt.datetime, seen: int | None, pick: int | None = None
) -> int | None:
    """The current topic (the one the caller saw, `seen`) is done and the next begins its first
    timebox: the one the facilitator picked, or else the top-ranked topic not yet discussed.
    Returns the new topic's id; None when none is left (the caller ends the meeting)."""
    s = meetup(db, meetup_id)
    if s.meeting != RUNNING:
        raise CoffeeError("The meeting is not running.")
    if s.current_topic_id != seen:
        raise CoffeeError("Someone moved the meeting on already; the board shows where it is.")
    waiting = _undiscussed(db, meetup_id, but=seen)
    nxt = waiting[0].id if waiting else None
    if pick is not None:
        if pick not in {t.id for t in waiting}:
            raise CoffeeError("That topic is not waiting to be discussed; the board lists those.")
        nxt = pick
    if not _claim_current(db, s, seen, nxt):
        raise CoffeeError("Someone moved the meeting on already; the board shows where it is.")
    if seen is not None:
        _close_votes(db, [seen], MOVED_ON)
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


def done(db: Session, meetup_id: int, topic_id: int, now: dt.datetime) -> bool:
    """A topic was discussed (the current one, or one the group settled without a timebox).
    True when no topic is left to discuss: the caller ends the meeting."""
    s = meetup(db, meetup_id)
    topic = db.get(CoffeeTopic, topic_id)
    if topic is None or topic.meetup_id != s.id or topic.state != "open":
        raise CoffeeError("That topic is not on this meetup's agenda.")
    if s.meeting == RUNNING and s.current_topic_id == topic_id:
        if not _claim_current(db, s, topic_id, None):
            raise CoffeeError("Someone moved the meeting on already; the board shows where it is.")
        _close_votes(db, [topic_id], MOVED_ON)
        if topic.discussing_at is not None:
            _finish(db, topic_id, now)
        else:
            topic.discussed = True
    elif topic.discussed:
        raise CoffeeError("That topic is already marked as discussed.")
    else:
        topic.discussed = True
    db.flush()
    return s.meeting == RUNNING and not _undiscussed(db, meetup_id)


def latest_box(db: Session, topic_id: int) -> CoffeeTimebox | None:
    return db.scalar(
        select(CoffeeTimebox)
        .where(CoffeeTimebox.topic_id == topic_id)
        .order_by(CoffeeTimebox.round.desc())
        .limit(1)
    )


def _open_box(db: Session, meetup_id: int, box_id: int) -> tuple[CoffeeMeetup, CoffeeTimebox]:
    s = meetup(db, meetup_id)
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


def extend(db: Session, meetup_id: int, box_id: int, now: dt.datetime) -> int:
    """One more, shorter timebox for the current topic; returns its minutes. Two clicks add
    one round: the second insert breaks the unique (topic, round)."""
    s, box = _open_box(db, meetup_id, box_id)
    minutes = extension(_extensions(series_of(db, s)), box.round)
    if not minutes:
        raise CoffeeError("This series has extensions off: move on, or mark the topic done.")
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


def move_on(db: Session, meetup_id: int, box_id: int, now: dt.datetime) -> int | None:
    """The Roman vote said move on: the topic is done and the next begins (None: none left)."""
    _, box = _open_box(db, meetup_id, box_id)
    decided = db.execute(
        update(CoffeeTimebox)
        .where(CoffeeTimebox.id == box.id, CoffeeTimebox.outcome == "")
        .values(outcome=MOVED_ON, expired=True)
    )
    if rowcount(decided) != 1:
        raise CoffeeError("That timebox is settled already.")
    return start_next(db, meetup_id, now, box.topic_id)


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


def end(db: Session, meetup_id: int, now: dt.datetime) -> bool:
    """The meeting ends (its open Roman vote with it); True for the one caller that ended
    it (it owes what after_end says and posts the summary)."""
    s = meetup(db, meetup_id)
    current = s.current_topic_id
    ended = db.execute(
        update(CoffeeMeetup)
        .where(
            CoffeeMeetup.id == meetup_id,
            CoffeeMeetup.state == "closed",
            CoffeeMeetup.meeting.in_(("", RUNNING)),
        )
        .values(meeting=ENDED, ended_at=now, current_topic_id=None)
    )
    if rowcount(ended) != 1:
        return False
    every = list(db.scalars(select(CoffeeTopic.id).where(CoffeeTopic.meetup_id == meetup_id)))
    _close_votes(db, every, ENDED)
    if current is not None:
        _finish(db, current, now)
    return True


def ends_at(s: CoffeeMeetup, length: int) -> dt.datetime:
    """When a meeting ends on its own: its series' length after its start, or after it
    began when an organiser began it late."""
    start = aware(s.starts_at)
    if s.began_at is not None:
        start = max(start, aware(s.began_at))
    return start + dt.timedelta(minutes=length)


def due_to_end(db: Session, now: dt.datetime) -> list[int]:
    """Meetings still running at their start plus their series' length (a few rows: only
    the meetings under way are read)."""
    rows = db.execute(
        select(CoffeeMeetup, CoffeeSeries.length)
        .join(CoffeeSeries, CoffeeSeries.id == CoffeeMeetup.series_id)
        .where(CoffeeMeetup.meeting == RUNNING)
    ).all()
    return [s.id for s, length in rows if ends_at(s, length) <= now]


def after_end(
    db: Session, meetup_id: int, now: dt.datetime, workspace_url: str
) -> topics.Carried | None:
    """What the one caller that ended a meeting owes, in its transaction: the undiscussed
    topics carried to the next meetup (unless the series says not to), and each proposer's
    DM (carried, or discussed with the link to the summary)."""
    s = meetup(db, meetup_id)
    series = series_of(db, s)
    # the summary is posted in the board's thread: the link opens the board
    board_url = notices.message_url(workspace_url, series.team_id, series.channel_id, s.agenda_ts)
    notices.discussed(db, series, s, board_url, now)
    if not series.carry:
        return None
    into = ensure_next_meetup(db, series, now)
    carried = topics.carry_over(db, s, into, now)
    notices.carried(db, series, into, carried.topic_ids, now)
    return carried
