"""What a proposer is told about their topic when it happens without them: carried over to the
next meetup, merged into another, removed by an organiser, or discussed (with a link to the
summary). Each notice is a DM owed in the DM outbox, in the same transaction as the change it
tells of, under a key of its own (kind of notice and topic), so it is sent once whoever makes
the change and however often; nobody but the proposer is told.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery import outbox
from bot.slack.dates import date_token
from bot.slack.mrkdwn import escape, link
from bot.store.models import CoffeeMeetup, CoffeeSeries, CoffeeTopic
from bot.store.states import OutboxKind

KIND = OutboxKind.COFFEE_NOTICE


def _owe(
    db: Session, series: CoffeeSeries, user_id: str, scope: str, text: str, now: dt.datetime
) -> bool:
    return outbox.owe(
        db,
        team_id=series.team_id,
        user_id=user_id,
        kind=KIND,
        scope=scope,
        name="-",  # a notice greets nobody by name: no users.info needed
        now=now,
        body=text,
    )


def _title(title: str) -> str:
    return f"“{escape(title)}”"


def carried(
    db: Session, series: CoffeeSeries, into: CoffeeMeetup, moved: list[int], now: dt.datetime
) -> int:
    """Each topic carried into `into` (the new topics' ids): its proposer is told where."""
    owed = 0
    when = date_token(into.starts_at, series.timezone)
    for topic in db.scalars(select(CoffeeTopic).where(CoffeeTopic.id.in_(moved))).all():
        text = (
            f"Your lean coffee topic {_title(topic.title)} was not discussed, so it was carried "
            f"over to the next meetup in <#{series.channel_id}>, {when}."
        )
        owed += _owe(db, series, topic.user_id, f"coffee:carried:{topic.id}", text, now)
    return owed


def merged(
    db: Session,
    series: CoffeeSeries,
    drop: CoffeeTopic,
    keep: CoffeeTopic,
    now: dt.datetime,
    own: str = "",  # what became of the proposer's own vote on it: "moved", "returned" or ""
) -> bool:
    votes = {
        "moved": " Your own vote on it now counts for it.",
        "returned": " You had voted for both, so your vote on yours came back to you: you can "
        "use it again while voting is open.",
    }.get(own, "")
    text = (
        f"An organiser merged your lean coffee topic {_title(drop.title)} into "
        f"{_title(keep.title)} in <#{series.channel_id}>: your words are in its description, "
        f"and the votes for yours count for it, once a person.{votes}"
    )
    return _owe(db, series, drop.user_id, f"coffee:merged:{drop.id}", text, now)


def votes_moved(
    db: Session,
    series: CoffeeSeries,
    drop: CoffeeTopic,
    keep: CoffeeTopic,
    moved: dict[str, int],
    returned: dict[str, int],
    now: dt.datetime,
) -> int:
    """Each voter of a merged topic: where their dot went (to the kept topic, or back to them
    when they had voted for both)."""
    owed = 0
    for user in sorted({*moved, *returned}):
        if user == drop.user_id:  # the proposer's own notice says it
            continue
        text = (
            f"An organiser merged the lean coffee topic {_title(drop.title)} into "
            f"{_title(keep.title)} in <#{series.channel_id}>: "
            + (
                "you had voted for both, so your vote on the merged one came back to you: "
                "you can use it again while voting is open."
                if user in returned
                else "your vote now counts for it."
            )
        )
        owed += _owe(db, series, user, f"coffee:vote-merged:{drop.id}:{user}", text, now)
    return owed


def votes_returned(
    db: Session,
    series: CoffeeSeries,
    topic: CoffeeTopic,
    back: dict[str, int],
    but: str,
    now: dt.datetime,
) -> int:
    """Each voter of a withdrawn or removed topic (but the person who did it): their dots are
    back, to use again while voting is open."""
    why = "was withdrawn by its proposer" if topic.state == "withdrawn" else "was removed"
    owed = 0
    for user, n in sorted(back.items()):
        if user == but:
            continue
        dots = "your vote on it is" if n == 1 else f"your {n} votes on it are"
        text = (
            f"The lean coffee topic {_title(topic.title)} in <#{series.channel_id}> {why}: "
            f"{dots} back with you, to use again while voting is open."
        )
        owed += _owe(db, series, user, f"coffee:vote-returned:{topic.id}:{user}", text, now)
    return owed


def removed(db: Session, series: CoffeeSeries, topic: CoffeeTopic, now: dt.datetime) -> bool:
    text = (
        f"An organiser removed your lean coffee topic {_title(topic.title)} from the meetup "
        f"in <#{series.channel_id}>."
    )
    return _owe(db, series, topic.user_id, f"coffee:removed:{topic.id}", text, now)


def discussed(
    db: Session, series: CoffeeSeries, s: CoffeeMeetup, summary_url: str, now: dt.datetime
) -> int:
    """Each topic the meeting discussed: its proposer gets the link to the summary."""
    owed = 0
    when = date_token(s.starts_at, series.timezone)
    rows = db.scalars(
        select(CoffeeTopic)
        .where(
            CoffeeTopic.meetup_id == s.id,
            CoffeeTopic.state == "open",
            CoffeeTopic.discussed.is_(True),
        )
        .order_by(CoffeeTopic.id)
    ).all()
    for topic in rows:
        text = (
            f"Your lean coffee topic {_title(topic.title)} was discussed at the meeting of "
            f"{when}: {link(summary_url, 'the summary')} is in the board's thread in "
            f"<#{series.channel_id}>."
        )
        owed += _owe(db, series, topic.user_id, f"coffee:discussed:{topic.id}", text, now)
    return owed


def message_url(workspace_url: str, team_id: str, channel_id: str, ts: str) -> str:
    """A link to a channel message: its permalink when the workspace's address is known
    (auth.test's url), otherwise the channel itself."""
    if workspace_url and ts:
        return f"{workspace_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
    return f"https://slack.com/app_redirect?channel={channel_id}&team={team_id}"
