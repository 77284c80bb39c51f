"""What people add at the meeting: thumbs on a timebox that ran out (the Roman vote) and
takeaways or actions on a topic under discussion."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.coffee.service import CoffeeError, meetup
from bot.store.models import CoffeeRomanVote, CoffeeTakeaway, CoffeeTimebox, CoffeeTopic

RUNNING = "running"
CHOICES = ("up", "down", "side")  # 👍 keep going, 👎 move on, ✋ either way
KINDS = ("takeaway", "action")
MAX_TAKEAWAY = 500


def roman(db: Session, box_id: int, user_id: str, choice: str, now: dt.datetime) -> bool:
    """One thumb a person on a timebox's vote, changed in place; False when the vote is over.

    One statement, an upsert fed by a select of the timebox while its vote is open: racing
    clicks of one person leave one row (the primary key), and a click after Extend or Move on
    changes nothing."""
    if choice not in CHOICES:
        raise CoffeeError("That button is out of date.")
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    votes = CoffeeRomanVote.__table__.c
    source = select(
        literal(box_id, votes.timebox_id.type),
        literal(user_id, votes.user_id.type),
        literal(choice, votes.choice.type),
        literal(now, votes.cast_at.type),
    ).where(
        CoffeeTimebox.id == box_id,
        CoffeeTimebox.expired.is_(True),
        CoffeeTimebox.outcome == "",
    )
    stmt = insert(CoffeeRomanVote).from_select(
        ["timebox_id", "user_id", "choice", "cast_at"], source
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[votes.timebox_id, votes.user_id],
        set_={"choice": stmt.excluded.choice, "cast_at": stmt.excluded.cast_at},
    )
    return db.execute(stmt.returning(votes.user_id)).first() is not None


def tally(db: Session, box_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {b: {} for b in box_ids}
    if not box_ids:
        return counts
    rows = db.execute(
        select(CoffeeRomanVote.timebox_id, CoffeeRomanVote.choice).where(
            CoffeeRomanVote.timebox_id.in_(box_ids)
        )
    ).all()
    for box_id, choice in rows:
        counts[box_id][choice] = counts[box_id].get(choice, 0) + 1
    return counts


def clean_note(text: str | None) -> str:
    note = (text or "").strip()
    if not note:
        raise CoffeeError("Write the takeaway in a few words.")
    if len(note) > MAX_TAKEAWAY:
        raise CoffeeError(f"Keep it under {MAX_TAKEAWAY} characters (it is {len(note):,}).")
    return note


def add_note(
    db: Session, meetup_id: int, topic_id: int, user_id: str, kind: str, text: str | None,
    owner: str, now: dt.datetime,
) -> None:  # fmt: skip
    """A takeaway or an action on a topic being (or already) discussed at a running meeting."""
    note = clean_note(text)
    s = meetup(db, meetup_id)
    topic = db.get(CoffeeTopic, topic_id)
    if s.meeting != RUNNING:
        raise CoffeeError("The meeting has ended; its summary is in the thread.")
    if topic is None or topic.meetup_id != s.id or topic.discussing_at is None:
        raise CoffeeError("Takeaways go on a topic that is being discussed.")
    db.add(
        CoffeeTakeaway(
            meetup_id=s.id, topic_id=topic_id, user_id=user_id,
            kind=kind if kind in KINDS else "takeaway", text=note,
            owner=owner if kind == "action" else "", created_at=now,
        )
    )  # fmt: skip
