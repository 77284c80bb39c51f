"""A channel's lean-coffee series as an iCalendar feed people subscribe to.

Public by design (the meetups are open) and read-only: it reads the store and writes nothing,
and it names nobody: topics and their votes, never who proposed or voted. Each meetup is one
VEVENT whose UID is fixed by its row, so a calendar that has it updates it in place when it
moves (SEQUENCE goes up) or is cancelled (STATUS:CANCELLED). Meetups not yet made by the
clock are not listed: only the next one and those before it exist, and each gets its UID once.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select

from bot.coffee import service, topics
from bot.slack.blocks import Block, context
from bot.slack.mrkdwn import link
from bot.store import Store
from bot.store.models import CoffeeMeetup, CoffeeSeries

PATH = re.compile(r"/coffee/([A-Z0-9]{1,32})\.ics")  # /coffee/C0WGPLAT.ics
HISTORY = 26  # the meetups listed: the next one and up to a year of fortnightly ones before it
PRODID = "-//WG-Platforms//wgbot lean coffee//EN"


def feed_url(public_url: str, channel_id: str) -> str:
    """Where a channel's feed is published; empty without a public base URL."""
    if not public_url:
        return ""
    return f"{public_url.rstrip('/')}/coffee/{quote(channel_id)}.ics"


def subscribe_block(public_url: str, channel_id: str) -> Block | None:
    """The line /coffee answers with: the feed to add to a calendar."""
    url = feed_url(public_url, channel_id)
    if not url:
        return None
    return context(f"{link(url, 'Add the lean coffees to your calendar')} (an iCalendar feed)")


def calendar(store: Store, channel_id: str, now: dt.datetime) -> bytes | None:
    """The feed of the channel's series, or None when the channel has none."""
    with store.session() as db:
        series = service.series_for(db, channel_id)
        if series is None:
            return None
        meetups = db.scalars(
            select(CoffeeMeetup)
            .where(CoffeeMeetup.series_id == series.id)
            .order_by(CoffeeMeetup.starts_at.desc())
            .limit(HISTORY)
        ).all()
        agendas = {s.id: topics.topics(db, s.id) for s in meetups if s.state == "closed"}
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", "WG-Platforms lean coffee")
        cal.add("x-wr-timezone", series.timezone)
        for s in reversed(meetups):
            cal.add_component(_event(series, s, agendas.get(s.id), now))
        cal.add_missing_timezones()  # a VTIMEZONE for the series' zone, as the events use it
        data: bytes = cal.to_ical()
        return data


def _event(
    series: CoffeeSeries,
    s: CoffeeMeetup,
    agenda: list[topics.TopicLine] | None,
    now: dt.datetime,
) -> Event:
    zone = ZoneInfo(series.timezone)
    starts = _aware(s.starts_at).astimezone(zone)
    event = Event()
    event.add("uid", f"lean-coffee-{s.id}-{series.team_id}@wgbot")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", starts)
    event.add("dtend", starts + dt.timedelta(minutes=series.length))
    event.add("sequence", s.sequence or 0)
    event.add("summary", "WG-Platforms lean coffee")
    event.add("status", "CANCELLED" if s.state == "cancelled" else "CONFIRMED")
    if series.link:
        event.add("location", series.link)
        event.add("url", series.link)
    event.add("description", _description(series, s, agenda))
    return event


def _description(
    series: CoffeeSeries, s: CoffeeMeetup, agenda: list[topics.TopicLine] | None
) -> str:
    lines: list[str] = []
    if s.state == "cancelled":
        lines.append("This meetup was cancelled.")
    elif agenda is not None:
        lines.append("Agenda, ranked by votes:" if agenda else "No topics were proposed.")
        lines += [
            f"{t.number}. {t.title} ({t.votes} vote{'' if t.votes == 1 else 's'})" for t in agenda
        ]
    elif s.state == "voting":
        lines.append("Voting on the topics is open in Slack: /coffee shows them.")
    else:
        lines.append("Propose a topic in Slack with /coffee propose <topic>.")
    if series.link:
        lines.append(f"Join: {series.link}")
    return "\n".join(lines)


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
