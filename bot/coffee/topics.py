"""Lean coffee topics over the database: proposing, editing, withdrawing, merging, the ranked
list with its one numbering, ballots, and carrying undiscussed topics to the next meetup."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.coffee.service import (
    ACTIVE,
    MAX_DESCRIPTION,
    MAX_TOPIC,
    MAX_TOPICS,
    CoffeeError,
    ensure_next_meetup,
    meetup,
    series_of,
)
from bot.coffee.voices import RUNNING
from bot.store.models import CoffeeMeetup, CoffeeSeries, CoffeeTopic, CoffeeVote
from bot.store.states import TopicState


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
    """What makes two topics the same: their words and symbols (emoji are symbols: "☕☕" is
    not "🍕🍕"), case, spacing, punctuation and emoji presentation aside. A title of
    punctuation alone is compared as it is written."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    kept = "".join(
        "" if unicodedata.category(c) == "Cf" or 0xFE00 <= ord(c) <= 0xFE0F
        else c if unicodedata.category(c)[0] in "LNSM"
        else " "
        for c in folded
    )  # fmt: skip
    return " ".join(kept.split()) or " ".join(folded.split())


def propose(
    db: Session,
    s: CoffeeMeetup,
    user_id: str,
    text: str,
    now: dt.datetime,
    description: str = "",
) -> int:
    title = clean_topic(text)
    description = clean_description(description)
    # once its meeting has started, anyone may squeeze a topic in at the end of the list
    if s.state not in ("collecting", "voting") and not _meeting_on(s):
        raise CoffeeError(_closed_for_topics(s))
    rows = db.execute(
        select(CoffeeTopic.id, CoffeeTopic.title, CoffeeTopic.user_id).where(
            CoffeeTopic.meetup_id == s.id, CoffeeTopic.state == "open"
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
        meetup_id=s.id,
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
    db: Session, meetup_id: int, title: str, but: int | None = None
) -> tuple[int, str] | None:
    """(number, title) of an open topic with the same words, if there is one."""
    key = topic_key(title)
    every = db.execute(
        select(CoffeeTopic.id, CoffeeTopic.title, CoffeeTopic.state)
        .where(CoffeeTopic.meetup_id == meetup_id)
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


class NotTakingTopics(CoffeeError):
    """No meetup of the channel takes topics now; collection opens at `opens` (in the
    series' `timezone`)."""

    def __init__(self, opens: dt.datetime, timezone: str) -> None:
        super().__init__("Topics are not being collected right now.")
        self.opens, self.timezone = opens, timezone


def proposing_to(db: Session, meetup_id: int, now: dt.datetime) -> CoffeeMeetup:
    """The meetup a Propose button proposes to, however old the button (a welcome DM, the
    Home, an old collection message): its channel's meetup taking topics now. When none
    is, NotTakingTopics says when collection opens next."""
    s = meetup(db, meetup_id)
    series = series_of(db, s)
    current = ensure_next_meetup(db, series, now)
    if current.state in ("collecting", "voting"):
        return current
    raise NotTakingTopics(max(current.collect_at, now), series.timezone)


def _meeting_on(s: CoffeeMeetup) -> bool:
    return s.state == "closed" and s.meeting == RUNNING


def _closed_for_topics(s: CoffeeMeetup) -> str:
    if s.state == "scheduled":
        return "Topic collection has not opened yet; `/coffee` shows when it does."
    return "This meetup no longer takes topics; `/coffee` shows the next one."


def topic(db: Session, topic_id: int) -> CoffeeTopic:
    found = db.get(CoffeeTopic, topic_id)
    if found is None:
        raise CoffeeError("That topic is no longer on the list.")
    return found


def _own_open_topic(db: Session, topic_id: int, user_id: str, organiser: bool) -> CoffeeTopic:
    topic = db.get(CoffeeTopic, topic_id)
    if topic is None or topic.state != "open":
        raise CoffeeError("That topic is no longer on the list.")
    if meetup(db, topic.meetup_id).state not in ("collecting", "voting"):
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
    same = _same_topic(db, topic.meetup_id, title, but=topic_id)
    if same is not None:
        raise CoffeeError(f"Topic {same[0]} already says that (“{same[1]}”).")
    topic.title = title
    if description is not None:
        topic.description = clean_description(description)


def withdraw(
    db: Session, topic_id: int, user_id: str, *, organiser: bool = False
) -> dict[str, int]:
    """The topic leaves the list and its dots go back to their voters. Returns each voter's
    dots given back, for them to be told."""
    topic = _own_open_topic(db, topic_id, user_id, organiser)
    topic.state = TopicState.WITHDRAWN if topic.user_id == user_id else TopicState.REMOVED
    back = _dots_by_voter(db, topic_id)
    db.execute(delete(CoffeeVote).where(CoffeeVote.topic_id == topic_id))  # the dots come back
    return back


def _dots_by_voter(db: Session, topic_id: int) -> dict[str, int]:
    rows = db.execute(
        select(CoffeeVote.user_id, func.count())
        .where(CoffeeVote.topic_id == topic_id)
        .group_by(CoffeeVote.user_id)
    ).all()
    return {user: int(n) for user, n in rows}


@dataclass(frozen=True)
class Merged:
    proposer: str  # the merged topic's
    moved: dict[str, int]  # voter -> dots that now count for the kept topic
    returned: dict[str, int]  # voter -> dots given back (they had voted for both)


def merge(db: Session, keep_id: int, drop_id: int) -> Merged:
    """Fold a duplicate into another topic: each voter keeps their dots, counted once, and the
    merged topic's words join the surviving topic's description. Returns who is to be told
    what: the merged topic's proposer, and each voter whose dots moved or came back."""
    keep, drop = db.get(CoffeeTopic, keep_id), db.get(CoffeeTopic, drop_id)
    if keep is None or drop is None or keep_id == drop_id or keep.meetup_id != drop.meetup_id:
        raise CoffeeError("Merge needs two different topics of the same meetup.")
    if keep.state != "open" or drop.state != "open":
        raise CoffeeError("Both topics must still be on the list.")
    s = meetup(db, keep.meetup_id)
    if s.state not in ("collecting", "voting"):
        raise CoffeeError("This meetup's agenda is settled; its topics can no longer change.")
    moved: dict[str, int] = {}
    returned: dict[str, int] = {}
    for vote in db.scalars(select(CoffeeVote).where(CoffeeVote.topic_id == drop_id)).all():
        already = db.scalar(
            select(CoffeeVote).where(
                CoffeeVote.topic_id == keep_id, CoffeeVote.user_id == vote.user_id
            )
        )
        if already is not None and not s.multi_dots:
            db.delete(vote)  # one dot per topic: a voter of both keeps one and gets one back
            returned[vote.user_id] = returned.get(vote.user_id, 0) + 1
        else:
            vote.topic_id = keep_id
            moved[vote.user_id] = moved.get(vote.user_id, 0) + 1
    drop.state, drop.merged_into = TopicState.MERGED, keep_id
    words = drop.title + (f": {drop.description}" if drop.description else "")
    merged = "\n".join(p for p in (keep.description, f"Merged in: {words}") if p)
    keep.description = merged[: MAX_DESCRIPTION * 4]  # several merges may add up
    db.flush()
    return Merged(drop.user_id, moved, returned)


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


def topics(db: Session, meetup_id: int) -> list[TopicLine]:
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
        .where(CoffeeTopic.meetup_id == meetup_id, CoffeeTopic.state == "open")
        .group_by(CoffeeTopic.id)
        .order_by(count.desc(), CoffeeTopic.id)
    ).all()
    # withdrawn and merged topics keep their numbers, so `remove 3` or `done 3` always means
    # the topic that was shown as 3
    every = db.scalars(
        select(CoffeeTopic.id).where(CoffeeTopic.meetup_id == meetup_id).order_by(CoffeeTopic.id)
    ).all()
    number = {tid: n for n, tid in enumerate(every, start=1)}
    return [TopicLine(*r[:5], number=number[r[0]], description=r[5]) for r in rows]


def voters(db: Session, meetup_id: int) -> int:
    """How many people have cast at least one vote: shown even while counts are hidden."""
    count = select(func.count(func.distinct(CoffeeVote.user_id)))
    return int(db.scalar(count.where(CoffeeVote.meetup_id == meetup_id)) or 0)


@dataclass(frozen=True)
class Ballot:
    budget: int
    used: int
    mine: list[tuple[TopicLine, int]]  # the topics this person voted for, with their dots


def ballot(db: Session, s: CoffeeMeetup, user_id: str) -> Ballot:
    dots = dict(
        db.execute(
            select(CoffeeVote.topic_id, func.count())
            .where(CoffeeVote.meetup_id == s.id, CoffeeVote.user_id == user_id)
            .group_by(CoffeeVote.topic_id)
        ).all()
    )
    lines = sorted((t for t in topics(db, s.id) if t.id in dots), key=lambda t: t.number)
    return Ballot(s.votes_per_person, sum(dots.values()), [(t, dots[t.id]) for t in lines])


@dataclass(frozen=True)
class Carried:
    moved: list[tuple[str, str]]  # (proposer, title) of each topic carried
    left: int  # undiscussed topics that did not fit under the cap
    topic_ids: list[int]  # the carried topics' new rows, in the next meetup


def last_finished(db: Session, series_id: int) -> CoffeeMeetup | None:
    """The series' latest meetup that closed or was cancelled: the one `carry` takes from."""
    return db.scalar(
        select(CoffeeMeetup)
        .where(
            CoffeeMeetup.series_id == series_id,
            CoffeeMeetup.state.in_(("closed", "cancelled")),
        )
        .order_by(CoffeeMeetup.starts_at.desc())
        .limit(1)
    )


def carry_over(db: Session, closed: CoffeeMeetup, into: CoffeeMeetup, now: dt.datetime) -> Carried:
    """Undiscussed topics of a closed (or cancelled) meetup join the next one, with no votes,
    in their ranked order, as long as the next one stays under its cap."""
    if closed.state not in ("closed", "cancelled") or into.state not in ACTIVE:
        raise CoffeeError("Topics carry over from a closed or cancelled meetup to the next one.")
    already = (
        db.execute(
            select(CoffeeTopic.title).where(
                CoffeeTopic.meetup_id == into.id, CoffeeTopic.state == "open"
            )
        )
        .scalars()
        .all()
    )
    keys = {topic_key(t) for t in already}
    room = MAX_TOPICS - len(already)
    moved: list[tuple[str, str]] = []
    made: list[CoffeeTopic] = []
    left = 0
    for line in topics(db, closed.id):
        if line.discussed or topic_key(line.title) in keys:
            continue
        if len(moved) >= room:
            left += 1
            continue
        keys.add(topic_key(line.title))
        made.append(
            CoffeeTopic(
                meetup_id=into.id,
                user_id=line.user_id,
                title=line.title,
                description=line.description,
                state="open",
                discussed=False,
                created_at=now,
            )
        )
        moved.append((line.user_id, line.title))
    db.add_all(made)
    db.flush()
    return Carried(moved, left, [t.id for t in made])
