"""The group's next lean coffee at a glance, as other parts of the app show it (a newcomer's
welcome, a journey step, the App Home): the app hands `Glance` to onboarding, which never
imports this feature."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.coffee.feed import feed_url
from bot.coffee.service import ACTIVE
from bot.coffee.views import PROPOSE
from bot.slack.blocks import button, section
from bot.slack.dates import date_token
from bot.slack.mrkdwn import link
from bot.store.models import CoffeeMeetup, CoffeeSeries
from bot.times import next_start

Block = dict[str, Any]


@dataclass(frozen=True)
class CoffeeNext:
    """The group's next lean coffee."""

    team_id: str
    channel_id: str
    starts_at: dt.datetime
    timezone: str
    meetup_id: int | None  # None: not opened yet, only known from the schedule
    state: str = "scheduled"
    calendar: str = ""  # the series' calendar feed, when the bot has a public address


def group_coffee(
    db: Session, team_id: str, channels: tuple[str, ...], now: dt.datetime, public_url: str = ""
) -> CoffeeNext | None:
    """The group's own series (the first of `channels` that has one) and its next meetup: the
    meetup when one is under way, otherwise the schedule's next date. Reads only."""
    if not channels:
        return None
    found = {
        s.channel_id: s
        for s in db.scalars(
            select(CoffeeSeries).where(
                CoffeeSeries.team_id == team_id, CoffeeSeries.channel_id.in_(channels)
            )
        )
    }
    series = next((found[c] for c in channels if c in found), None)
    if series is None:
        return None
    meetup = db.scalar(
        select(CoffeeMeetup)
        .where(CoffeeMeetup.series_id == series.id, CoffeeMeetup.state.in_(ACTIVE))
        .order_by(CoffeeMeetup.starts_at)
        .limit(1)
    )
    calendar = feed_url(public_url, series.channel_id)
    if meetup is not None:
        return CoffeeNext(
            team_id,
            series.channel_id,
            meetup.starts_at,
            series.timezone,
            meetup.id,
            meetup.state,
            calendar,
        )
    starts = next_start(
        series.weekday, series.at, series.timezone, series.every_weeks, series.anchor, now
    )
    return CoffeeNext(team_id, series.channel_id, starts, series.timezone, None, calendar=calendar)


def coffee_section(words: str, coffee: CoffeeNext | None, link_action: str) -> Block:
    """Lean coffee: the group's words, its next meetup as a date token, and a button to
    propose a topic (while topics are taken) or to see the agenda in the channel."""
    text = f"*Lean coffee*\n{words}"
    if coffee is None:
        return section(text)
    text += f"\nNext: {date_token(coffee.starts_at, coffee.timezone)} in <#{coffee.channel_id}>"
    if coffee.calendar:
        text += f" · {link(coffee.calendar, 'add them to your calendar')}"
    block = section(text)
    if coffee.meetup_id and coffee.state in ("collecting", "voting"):
        block["accessory"] = button("Propose a topic", PROPOSE, str(coffee.meetup_id))
    else:
        link_button = button("See the agenda", link_action, coffee.channel_id)
        link_button["url"] = (
            f"https://slack.com/app_redirect?channel={coffee.channel_id}&team={coffee.team_id}"
        )
        block["accessory"] = link_button
    return block


@dataclass(frozen=True)
class Glance:
    """The lean-coffee section for the group's channels: (db, team, now, words) -> block.
    `link_action` is the action id of the "See the agenda" link button, acknowledged by the
    part of the app that shows it."""

    channels: tuple[str, ...]
    public_url: str
    link_action: str

    def __call__(self, db: Session, team_id: str, now: dt.datetime, words: str) -> Block:
        coffee = group_coffee(db, team_id, self.channels, now, self.public_url)
        return coffee_section(words, coffee, self.link_action)
