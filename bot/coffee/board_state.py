"""The meeting as the board and the summary read it: each topic's place (to discuss, under
discussion, discussed), its timeboxes with their Roman votes, minutes spent and takeaways."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.coffee import topics
from bot.coffee.service import meetup, series_of
from bot.coffee.voices import tally
from bot.store.models import CoffeeMeetup, CoffeeTakeaway, CoffeeTimebox, CoffeeTopic


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Box:
    id: int
    topic_id: int
    round: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    expired: bool
    vote_ts: str
    outcome: str
    votes: dict[str, int] = field(default_factory=dict)  # choice -> people

    @classmethod
    def of(cls, row: CoffeeTimebox, votes: dict[str, int] | None = None) -> Box:
        return cls(
            row.id, row.topic_id, row.round, aware(row.starts_at), aware(row.ends_at),
            row.expired, row.vote_ts, row.outcome, votes or {},
        )  # fmt: skip


@dataclass(frozen=True)
class Note:
    topic_id: int
    kind: str
    text: str
    owner: str
    user_id: str


@dataclass(frozen=True)
class Board:
    """A meetup's meeting as the board and the summary show it."""

    meetup_id: int
    starts_at: dt.datetime
    meeting: str
    facilitator: str
    host: str  # the member named to run this meeting ("" for none)
    to_discuss: list[topics.TopicLine]  # ranked
    current: topics.TopicLine | None
    box: Box | None  # the current topic's latest timebox
    discussed: list[topics.TopicLine]  # in the order they were discussed
    minutes: dict[int, int]  # topic id -> minutes spent, to the nearest (0: under a minute)
    boxes: dict[int, list[Box]]  # topic id -> its timeboxes, with their Roman votes
    notes: list[Note]
    carried: bool  # whether undiscussed topics move to the next meetup

    def next_extension(self, extensions: tuple[int, ...]) -> int:
        return extension(extensions, self.box.round if self.box else 0)

    # what the summary reports, the same in Slack and in Markdown
    def roman_votes(self, topic_id: int) -> list[Box]:
        """The topic's Roman votes that ended with a vote or an outcome."""
        return [x for x in self.boxes.get(topic_id, []) if x.expired and (x.votes or x.outcome)]

    def notes_on(self, topic_id: int) -> list[Note]:
        return [n for n in self.notes if n.topic_id == topic_id]

    @property
    def not_discussed(self) -> list[topics.TopicLine]:
        """The topic under way (when the meeting ended on it), then the rest, ranked."""
        return [*([self.current] if self.current else []), *self.to_discuss]


def extension(extensions: tuple[int, ...], done: int) -> int:
    """Minutes the next extension adds after `done` extensions: they shrink (4, then 2) and
    the last repeats. 0: the series has extensions off."""
    if not extensions:
        return 0
    return extensions[min(done, len(extensions) - 1)]


def board(db: Session, meetup_id: int) -> Board:
    s = meetup(db, meetup_id)
    lines = topics.topics(db, meetup_id)
    rows = db.execute(
        select(CoffeeTopic.id, CoffeeTopic.discussing_at, CoffeeTopic.discussed_at).where(
            CoffeeTopic.meetup_id == meetup_id, CoffeeTopic.state == "open"
        )
    ).all()
    began = {tid: aware(at) for tid, at, _ in rows if at is not None}
    minutes = {
        tid: round((aware(end_at) - began[tid]).total_seconds() / 60)
        for tid, _, end_at in rows
        if end_at is not None and tid in began
    }
    by_id = {t.id: t for t in lines}
    current = by_id.get(s.current_topic_id) if s.current_topic_id else None
    boxes_rows = db.scalars(
        select(CoffeeTimebox)
        .where(CoffeeTimebox.topic_id.in_(list(by_id)))
        .order_by(CoffeeTimebox.topic_id, CoffeeTimebox.round)
    ).all()
    votes = tally(db, [b.id for b in boxes_rows])
    boxes: dict[int, list[Box]] = {}
    for row in boxes_rows:
        boxes.setdefault(row.topic_id, []).append(Box.of(row, votes[row.id]))
    notes = [
        Note(n.topic_id, n.kind, n.text, n.owner, n.user_id)
        for n in db.scalars(
            select(CoffeeTakeaway)
            .where(CoffeeTakeaway.meetup_id == meetup_id)
            .order_by(CoffeeTakeaway.id)
        ).all()
    ]
    discussed = sorted(
        (t for t in lines if t.discussed and t.id != s.current_topic_id),
        key=lambda t: (began.get(t.id) is None, began.get(t.id) or s.starts_at, t.number),
    )
    return Board(
        meetup_id=s.id,
        starts_at=aware(s.starts_at),
        meeting=s.meeting,
        facilitator=s.facilitator,
        host=s.host,
        to_discuss=[t for t in lines if not t.discussed and t.id != s.current_topic_id],
        current=current,
        box=boxes.get(current.id, [None])[-1] if current else None,
        discussed=discussed,
        minutes=minutes,
        boxes=boxes,
        notes=notes,
        carried=series_of(db, s).carry,
    )


def find(db: Session, series_id: int, on: dt.date | None, timezone: str) -> CoffeeMeetup | None:
    """A past meeting: the one held on that local day, or the latest that ran."""
    rows = db.scalars(
        select(CoffeeMeetup)
        .where(CoffeeMeetup.series_id == series_id, CoffeeMeetup.meeting != "")
        .order_by(CoffeeMeetup.starts_at.desc())
    ).all()
    for s in rows:
        if on is None or aware(s.starts_at).astimezone(ZoneInfo(timezone)).date() == on:
            return s
    return None
