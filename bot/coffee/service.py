"""Lean coffee's rules over the database: series, sessions and topics (dots: bot/coffee/dots.py).

Every change that others might race is decided by the database: state moves are conditional
updates (they happen once, whoever tries), and dots fill numbered slots under a primary key,
so no burst of clicks can overspend a budget or lose a vote.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import (
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.coffee.schedule import SeriesSettings, next_start
from bot.store.models import CoffeeSeries, CoffeeSession, CoffeeTopic, CoffeeVote

MAX_TOPIC = 200  # characters: a topic is a line on the agenda, not an essay
MAX_TOPICS = 40  # per session, carried topics included: one message's 50 blocks hold them
MAX_DESCRIPTION = 1000
ACTIVE = ("scheduled", "collecting", "voting")


class CoffeeError(ValueError):
    """Something a user asked for cannot be done; the message says why, politely."""


# ---- series and sessions -------------------------------------------------------------------


def series_for(db: Session, channel_id: str) -> CoffeeSeries | None:
    return db.scalar(select(CoffeeSeries).where(CoffeeSeries.channel_id == channel_id))


def settings_of(series: CoffeeSeries | None) -> SeriesSettings:
    if series is None:
        return SeriesSettings()
    return SeriesSettings(
        weekday=series.weekday,
        at=series.at,
        timezone=series.timezone,
        every_weeks=series.every_weeks,
        collect_hours=series.collect_hours,
        vote_hours=series.vote_hours,
        votes_per_person=series.votes_per_person,
        multi_dots=series.multi_dots,
        hide_counts=series.hide_counts,
        topics_per_person=series.topics_per_person,
        link=series.link or "",
        hide_proposers=series.hide_proposers,
        remind=reminders_of(series),
    )


def reminders_of(series: CoffeeSeries) -> tuple[int, ...]:
    """The series' reminders, in minutes before the start, largest first."""
    return tuple(int(m) for m in (series.remind or "").split(",") if m.isdigit())


def configure(
    db: Session,
    team_id: str,
    channel_id: str,
    wanted: SeriesSettings,
    by: str,
    now: dt.datetime,
) -> CoffeeSeries:
    """Create or change a channel's series; the next unopened session follows the new times."""
    series = series_for(db, channel_id)
    values = {
        "weekday": wanted.weekday,
        "at": wanted.at,
        "timezone": wanted.timezone,
        "every_weeks": wanted.every_weeks,
        "collect_hours": wanted.collect_hours,
        "vote_hours": wanted.vote_hours,
        "votes_per_person": wanted.votes_per_person,
        "multi_dots": wanted.multi_dots,
        "hide_counts": wanted.hide_counts,
        "topics_per_person": wanted.topics_per_person,
        "link": wanted.link,
        "hide_proposers": wanted.hide_proposers,
        "remind": ",".join(str(m) for m in wanted.remind),
        "updated_by": by,
    }
    if wanted.starting is not None:  # the first meetup's week: fortnightly series need it
        values["anchor"] = wanted.starting
    if series is None:
        local_today = now.astimezone(ZoneInfo(wanted.timezone)).date()
        values.setdefault("anchor", local_today)
        series = CoffeeSeries(team_id=team_id, channel_id=channel_id, **values)
        db.add(series)
    else:
        for key, value in values.items():
            setattr(series, key, value)
    db.flush()
    # a meetup not yet open is re-timed in place (topics carried into it stay); one already
    # collecting or voting keeps its dates
    waiting = db.scalar(
        select(CoffeeSession).where(
            CoffeeSession.series_id == series.id, CoffeeSession.state == "scheduled"
        )
    )
    if waiting is None:
        ensure_next_session(db, series, now)
        return series
    last = db.scalar(
        select(func.max(CoffeeSession.starts_at)).where(
            CoffeeSession.series_id == series.id, CoffeeSession.id != waiting.id
        )
    )
    starts = next_start(
        series.weekday,
        series.at,
        series.timezone,
        series.every_weeks,
        series.anchor,
        _after_last(series, last, now),
    )
    if _aware(waiting.starts_at) != starts:
        waiting.sequence += 1  # a calendar that has it takes the new time
    waiting.starts_at = starts
    waiting.collect_at = starts - dt.timedelta(hours=series.collect_hours)
    waiting.vote_at = starts - dt.timedelta(hours=series.vote_hours)
    waiting.votes_per_person = series.votes_per_person
    waiting.multi_dots = series.multi_dots
    waiting.hide_counts = series.hide_counts
    return series


def ensure_next_session(db: Session, series: CoffeeSeries, now: dt.datetime) -> CoffeeSession:
    """The series' current session, creating the next one if none is active."""
    current = db.scalar(
        select(CoffeeSession)
        .where(CoffeeSession.series_id == series.id, CoffeeSession.state.in_(ACTIVE))
        .order_by(CoffeeSession.starts_at)
        .limit(1)
    )
    if current is not None:
        return current
    last = db.scalar(
        select(func.max(CoffeeSession.starts_at)).where(CoffeeSession.series_id == series.id)
    )
    after = _after_last(series, last, now)
    starts = next_start(
        series.weekday, series.at, series.timezone, series.every_weeks, series.anchor, after
    )
    values = {
        "series_id": series.id,
        "starts_at": starts,
        "collect_at": starts - dt.timedelta(hours=series.collect_hours),
        "vote_at": starts - dt.timedelta(hours=series.vote_hours),
        "state": "scheduled",
        "votes_per_person": series.votes_per_person,
        "multi_dots": series.multi_dots,
        "hide_counts": series.hide_counts,
    }
    try:
        with db.begin_nested():
            db.execute(insert(CoffeeSession).values(**values))
    except IntegrityError:
        pass  # another clock made the next meetup first (one in progress per series)
    made = db.scalar(
        select(CoffeeSession)
        .where(CoffeeSession.series_id == series.id, CoffeeSession.state.in_(ACTIVE))
        .order_by(CoffeeSession.starts_at)
        .limit(1)
    )
    assert made is not None  # ours, or the other clock's
    return made


def _after_last(series: CoffeeSeries, last: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """Search for the next meetup from here: a later day than the last one, even if the time
    of day moved later, and never in the past."""
    tz = ZoneInfo(series.timezone)
    # never before the series' starting day (`starting 2026-12-08`)
    first_day = dt.datetime.combine(series.anchor, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)
    earliest = max(now, first_day - dt.timedelta(seconds=1))
    if last is None:
        return earliest
    local = _aware(last).astimezone(tz)
    day_end = dt.datetime.combine(local.date(), dt.time(23, 59, 59), tzinfo=tz)
    return max(earliest, day_end.astimezone(dt.UTC))


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def due_state(s: CoffeeSession, now: dt.datetime) -> str:
    """Where the clock says this session should be now."""
    if now >= _aware(s.starts_at):
        return "closed"
    if now >= _aware(s.vote_at):
        return "voting"
    if now >= _aware(s.collect_at):
        return "collecting"
    return "scheduled"


def claim_reminder(
    db: Session, s: CoffeeSession, reminders: tuple[int, ...], now: dt.datetime
) -> int | None:
    """The reminder due now (minutes before the start), or None. Only the caller whose
    conditional update recorded it gets it, so each is posted once; a bot down across several
    posts only the nearest."""
    if s.state not in ("collecting", "voting"):
        return None
    starts = _aware(s.starts_at)
    due = [m for m in reminders if starts - dt.timedelta(minutes=m) <= now < starts]
    if not due:
        return None
    nearest = min(due)
    if s.reminded is not None and s.reminded <= nearest:
        return None  # already sent (read without a lock: the update below decides)
    changed = db.execute(
        update(CoffeeSession)
        .where(
            CoffeeSession.id == s.id,
            CoffeeSession.state.in_(("collecting", "voting")),
            (CoffeeSession.reminded.is_(None)) | (CoffeeSession.reminded > nearest),
        )
        .values(reminded=nearest)
    ).rowcount
    return nearest if changed == 1 else None


ORDER = {"scheduled": 0, "collecting": 1, "voting": 2, "closed": 3}


BY_HAND = {  # what an organiser may move by hand, and from where
    "collecting": ("scheduled",),
    "voting": ("scheduled", "collecting"),
    "closed": ("collecting", "voting"),  # a meetup that never opened is cancelled, not closed
    "cancelled": ACTIVE,
}


def move(db: Session, session_id: int, to: str, *, by_hand: bool = False) -> bool:
    """Move a session forward to `to` (or cancel it); True only for the one caller that changed
    the row, so only that caller posts about it. A closed or cancelled session never moves."""
    if by_hand:
        before = list(BY_HAND[to])
    elif to == "cancelled":
        before = list(ACTIVE)
    else:
        before = [state for state, n in ORDER.items() if n < ORDER[to]]
    changed = db.execute(
        update(CoffeeSession)
        .where(CoffeeSession.id == session_id, CoffeeSession.state.in_(before))
        .values(state=to, sequence=CoffeeSession.sequence + int(to == "cancelled"))
    ).rowcount
    return changed == 1


# ---- topics ---------------------------------------------------------------------------------


def clean_topic(text: str) -> str:
    title = " ".join((text or "").split())
    if not title:
        raise CoffeeError(
            "A topic needs a few words, e.g. `/coffee propose golden paths at scale`."
        )
    if len(title) > MAX_TOPIC:
        raise CoffeeError(
            f"That topic is {len(title):,} characters long; keep it under {MAX_TOPIC} "
            "so it fits on the agenda (details can go in the description: the Propose button "
            "on the channel message has a field for them)."
        )
    return title


def topic_key(title: str) -> str:
    """What makes two topics the same: their words, case, spacing and punctuation aside."""
    return " ".join(re.sub(r"[\W_]+", " ", title.casefold()).split())


def propose(
    db: Session,
    s: CoffeeSession,
    user_id: str,
    text: str,
    now: dt.datetime,
    description: str = "",
) -> int:
    title = clean_topic(text)
    description = clean_description(description)
    if s.state not in ("collecting", "voting"):
        raise CoffeeError(_closed_for_topics(s))
    rows = db.execute(
        select(CoffeeTopic.id, CoffeeTopic.title, CoffeeTopic.user_id).where(
            CoffeeTopic.session_id == s.id, CoffeeTopic.state == "open"
        )
    ).all()
    if len(rows) >= MAX_TOPICS:
        raise CoffeeError(f"This meetup already has {MAX_TOPICS} topics: vote for one of them?")
    cap = db.scalar(select(CoffeeSeries.topics_per_person).where(CoffeeSeries.id == s.series_id))
    if cap is not None and sum(1 for r in rows if r.user_id == user_id) >= cap:
        raise CoffeeError(
            f"You already have {cap} topic{'s' if cap != 1 else ''} for this meetup, as many as "
            "one person may propose; `/coffee mine` lists them, to edit or withdraw one."
        )
    same = _same_topic(db, s.id, title)
    if same is not None:
        raise CoffeeError(f"Topic {same[0]} already says that (“{same[1]}”): vote for it instead?")
    topic = CoffeeTopic(
        session_id=s.id,
        user_id=user_id,
        title=title,
        description=description,
        state="open",
        discussed=False,
        created_at=now,
    )
    db.add(topic)
    db.flush()
    return topic.id


def _same_topic(
    db: Session, session_id: int, title: str, but: int | None = None
) -> tuple[int, str] | None:
    """(number, title) of an open topic with the same words, if there is one."""
    key = topic_key(title)
    every = db.execute(
        select(CoffeeTopic.id, CoffeeTopic.title, CoffeeTopic.state)
        .where(CoffeeTopic.session_id == session_id)
        .order_by(CoffeeTopic.id)
    ).all()
    for n, (tid, other, state) in enumerate(every, start=1):
        if state == "open" and tid != but and topic_key(other) == key:
            return n, other
    return None


def clean_description(text: str | None) -> str:
    description = (text or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise CoffeeError(
            f"That description is {len(description):,} characters long; keep it under "
            f"{MAX_DESCRIPTION:,}."
        )
    return description


def _closed_for_topics(s: CoffeeSession) -> str:
    if s.state == "scheduled":
        return "Topic collection has not opened yet; `/coffee` shows when it does."
    return "This meetup no longer takes topics; `/coffee` shows the next one."


def _own_open_topic(db: Session, topic_id: int, user_id: str, organiser: bool) -> CoffeeTopic:
    topic = db.get(CoffeeTopic, topic_id)
    if topic is None or topic.state != "open":
        raise CoffeeError("That topic is no longer on the list.")
    if db.get(CoffeeSession, topic.session_id).state not in ("collecting", "voting"):
        raise CoffeeError("This meetup's agenda is settled; its topics can no longer change.")
    if topic.user_id != user_id and not organiser:
        raise CoffeeError("Only the person who proposed a topic (or an organiser) can change it.")
    return topic


def edit(
    db: Session,
    topic_id: int,
    user_id: str,
    text: str,
    *,
    organiser: bool = False,
    description: str | None = None,
) -> None:
    topic = _own_open_topic(db, topic_id, user_id, organiser)
    title = clean_topic(text)
    same = _same_topic(db, topic.session_id, title, but=topic_id)
    if same is not None:
        raise CoffeeError(f"Topic {same[0]} already says that (“{same[1]}”).")
    topic.title = title
    if description is not None:
        topic.description = clean_description(description)


def withdraw(db: Session, topic_id: int, user_id: str, *, organiser: bool = False) -> None:
    topic = _own_open_topic(db, topic_id, user_id, organiser)
    topic.state = "withdrawn" if topic.user_id == user_id else "removed"
    db.execute(delete(CoffeeVote).where(CoffeeVote.topic_id == topic_id))  # the dots come back


def merge(db: Session, keep_id: int, drop_id: int) -> str:
    """Fold a duplicate into another topic: each voter keeps their dots, counted once, and the
    merged topic's words join the surviving topic's description. Returns the merged topic's
    proposer, to be told."""
    keep, drop = db.get(CoffeeTopic, keep_id), db.get(CoffeeTopic, drop_id)
    if keep is None or drop is None or keep_id == drop_id or keep.session_id != drop.session_id:
        raise CoffeeError("Merge needs two different topics of the same meetup.")
    if keep.state != "open" or drop.state != "open":
        raise CoffeeError("Both topics must still be on the list.")
    s = db.get(CoffeeSession, keep.session_id)
    if s.state not in ("collecting", "voting"):
        raise CoffeeError("This meetup's agenda is settled; its topics can no longer change.")
    for vote in db.scalars(select(CoffeeVote).where(CoffeeVote.topic_id == drop_id)).all():
        already = db.scalar(
            select(CoffeeVote).where(
                CoffeeVote.topic_id == keep_id, CoffeeVote.user_id == vote.user_id
            )
        )
        if already is not None and not s.multi_dots:
            db.delete(vote)  # one dot per topic: a voter of both keeps one and gets one back
        else:
            vote.topic_id = keep_id
    drop.state, drop.merged_into = "merged", keep_id
    words = drop.title + (f": {drop.description}" if drop.description else "")
    merged = "\n".join(p for p in (keep.description, f"Merged in: {words}") if p)
    keep.description = merged[: MAX_DESCRIPTION * 4]  # several merges may add up
    db.flush()
    return drop.user_id


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicLine:
    id: int
    title: str
    user_id: str
    votes: int
    discussed: bool
    number: int = 0
    description: str = ""  # its place in order of proposal among all the meetup's topics: stable


def topics(db: Session, session_id: int) -> list[TopicLine]:
    """Open topics, most votes first; ties by who proposed first (earlier id), a stated rule."""
    count = func.count(CoffeeVote.slot)
    rows = db.execute(
        select(
            CoffeeTopic.id,
            CoffeeTopic.title,
            CoffeeTopic.user_id,
            count,
            CoffeeTopic.discussed,
            CoffeeTopic.description,
        )
        .outerjoin(CoffeeVote, CoffeeVote.topic_id == CoffeeTopic.id)
        .where(CoffeeTopic.session_id == session_id, CoffeeTopic.state == "open")
        .group_by(CoffeeTopic.id)
        .order_by(count.desc(), CoffeeTopic.id)
    ).all()
    # withdrawn and merged topics keep their numbers, so `remove 3` or `done 3` always means
    # the topic that was shown as 3
    every = db.scalars(
        select(CoffeeTopic.id).where(CoffeeTopic.session_id == session_id).order_by(CoffeeTopic.id)
    ).all()
    number = {tid: n for n, tid in enumerate(every, start=1)}
    return [TopicLine(*r[:5], number=number[r[0]], description=r[5]) for r in rows]


def voters(db: Session, session_id: int) -> int:
    """How many people have cast at least one vote: shown even while counts are hidden."""
    return db.scalar(
        select(func.count(func.distinct(CoffeeVote.user_id))).where(
            CoffeeVote.session_id == session_id
        )
    )


@dataclass(frozen=True)
class Ballot:
    budget: int
    used: int
    mine: list[tuple[TopicLine, int]]  # the topics this person voted for, with their dots


def ballot(db: Session, s: CoffeeSession, user_id: str) -> Ballot:
    dots = dict(
        db.execute(
            select(CoffeeVote.topic_id, func.count())
            .where(CoffeeVote.session_id == s.id, CoffeeVote.user_id == user_id)
            .group_by(CoffeeVote.topic_id)
        ).all()
    )
    lines = sorted((t for t in topics(db, s.id) if t.id in dots), key=lambda t: t.number)
    return Ballot(s.votes_per_person, sum(dots.values()), [(t, dots[t.id]) for t in lines])


def mark_discussed(db: Session, topic_id: int) -> None:
    topic = db.get(CoffeeTopic, topic_id)
    if topic is None:
        raise CoffeeError("That topic is not on the agenda.")
    topic.discussed = True


@dataclass(frozen=True)
class Carried:
    moved: list[tuple[str, str]]  # (proposer, title) of each topic carried
    left: int  # undiscussed topics that did not fit under the cap


def last_finished(db: Session, series_id: int) -> CoffeeSession | None:
    """The series' latest meetup that closed or was cancelled: the one `carry` takes from."""
    return db.scalar(
        select(CoffeeSession)
        .where(
            CoffeeSession.series_id == series_id,
            CoffeeSession.state.in_(("closed", "cancelled")),
        )
        .order_by(CoffeeSession.starts_at.desc())
        .limit(1)
    )


def carry_over(
    db: Session, closed: CoffeeSession, into: CoffeeSession, now: dt.datetime
) -> Carried:
    """Undiscussed topics of a closed (or cancelled) meetup join the next one, with no votes,
    in their ranked order, as long as the next one stays under its cap."""
    if closed.state not in ("closed", "cancelled") or into.state not in ACTIVE:
        raise CoffeeError("Topics carry over from a closed or cancelled meetup to the next one.")
    already = (
        db.execute(
            select(CoffeeTopic.title).where(
                CoffeeTopic.session_id == into.id, CoffeeTopic.state == "open"
            )
        )
        .scalars()
        .all()
    )
    keys = {topic_key(t) for t in already}
    room = MAX_TOPICS - len(already)
    moved: list[tuple[str, str]] = []
    left = 0
    for line in topics(db, closed.id):
        if line.discussed or topic_key(line.title) in keys:
            continue
        if len(moved) >= room:
            left += 1
            continue
        keys.add(topic_key(line.title))
        db.add(
            CoffeeTopic(
                session_id=into.id,
                user_id=line.user_id,
                title=line.title,
                description=line.description,
                state="open",
                discussed=False,
                created_at=now,
            )
        )
        moved.append((line.user_id, line.title))
    return Carried(moved, left)
