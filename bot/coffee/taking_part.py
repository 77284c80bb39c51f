"""Who took part in a meetup: everyone who proposed a topic, voted, gave a Roman vote or
noted a takeaway or action. The summary names them (names, never mentions)."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from bot.store.models import (
    CoffeeRomanVote,
    CoffeeTakeaway,
    CoffeeTimebox,
    CoffeeTopic,
    CoffeeVote,
)


def people(db: Session, meetup_id: int) -> list[str]:
    """Their user ids, each once, in id order (one query)."""
    either = union(
        select(CoffeeTopic.user_id).where(CoffeeTopic.meetup_id == meetup_id),
        select(CoffeeVote.user_id).where(CoffeeVote.meetup_id == meetup_id),
        select(CoffeeRomanVote.user_id)
        .join(CoffeeTimebox, CoffeeTimebox.id == CoffeeRomanVote.timebox_id)
        .join(CoffeeTopic, CoffeeTopic.id == CoffeeTimebox.topic_id)
        .where(CoffeeTopic.meetup_id == meetup_id),
        select(CoffeeTakeaway.user_id).where(CoffeeTakeaway.meetup_id == meetup_id),
    ).subquery()
    return sorted(u for u in db.scalars(select(either.c.user_id)).all() if u)
