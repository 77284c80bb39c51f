"""What an import owes the followers of the talks it changed: one DM per person and change.

An import takes a snapshot of the followed talks of its conference before it writes, and
compares after, in the same transaction: each follower is owed one DM per change, recorded in
the DM outbox (unique per person and change), so a re-import never tells anyone twice. Who
follows what is kept by /talks (bot/talks/follows.py); both meet only in the `talk_follows`
table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.delivery import outbox
from bot.delivery.outbox import NOTICE
from bot.slack.mrkdwn import escape, link
from bot.store.models import Conference, Talk, TalkFollow
from bot.times import in_zone, local_format


@dataclass(frozen=True)
class TalkState:
    title: str
    day: dt.date | None
    starts_at: dt.datetime | None
    room: str | None
    url: str | None


def snapshot(session: Session, conference: str) -> dict[str, TalkState]:
    """The followed talks of a conference as they stand, by source id."""
    followed = select(TalkFollow.source_id).where(TalkFollow.conference == conference)
    rows = session.execute(
        select(Talk.source_id, Talk.title, Talk.day, Talk.starts_at, Talk.room, Talk.url)
        .join(Conference, Conference.id == Talk.conference_id)
        .where(Conference.slug == conference, Talk.source_id.in_(followed))
    )
    return {
        sid: TalkState(title, day, starts_at, room, url)
        for sid, title, day, starts_at, room, url in rows
    }


def _when(state: TalkState, timezone: str) -> str:
    if state.starts_at is not None:
        return local_format(in_zone(state.starts_at, timezone), "%a %-d %b, %H:%M")
    return local_format(state.day, "%a %-d %b") if state.day else "no date yet"


def describe_change(old: TalkState, new: TalkState | None, timezone: str) -> str | None:
    """The DM's text for one change, escaped; None when nothing a follower cares about moved."""
    title = f"*{link(old.url, old.title)}*"
    if new is None:
        return f"{title} has been withdrawn from the schedule."
    lines = []
    if (old.starts_at, old.day) != (new.starts_at, new.day):
        lines.append(f"now {_when(new, timezone)} (was {_when(old, timezone)})")
    if (old.room or "") != (new.room or ""):
        lines.append(f"now in {escape(new.room or 'no room yet')} (was {escape(old.room or '-')})")
    if old.title != new.title:
        lines.append(f"is now called *{escape(new.title)}*")
    if not lines:
        return None
    return f"A talk you follow changed: {title}\n" + "\n".join(f"• {line}" for line in lines)


def owe_notices(
    session: Session, conference: str, before: dict[str, TalkState], now: dt.datetime
) -> int:
    """Compare followed talks with the snapshot taken before the import; owe one DM per
    follower and change. Returns how many DMs are now owed."""
    if not before:
        return 0
    timezone = session.scalar(select(Conference.timezone).where(Conference.slug == conference))
    after = snapshot(session, conference)
    owed = 0
    for source_id, old in before.items():
        text = describe_change(old, after.get(source_id), timezone or "UTC")
        if text is None:
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        followers = session.execute(
            select(TalkFollow.team_id, TalkFollow.user_id).where(
                TalkFollow.conference == conference, TalkFollow.source_id == source_id
            )
        ).all()
        for team_id, user_id in followers:
            owed += outbox.owe(
                session,
                team_id=team_id,
                user_id=user_id,
                kind=NOTICE,
                scope=f"{conference[:30]}:{digest}",  # one DM per person and change
                name="-",  # a notice greets nobody by name: no users.info needed
                now=now,
                body=text,
            )
        if after.get(source_id) is None:  # withdrawn: nothing left to follow
            session.execute(
                delete(TalkFollow).where(
                    TalkFollow.conference == conference, TalkFollow.source_id == source_id
                )
            )
    return owed
