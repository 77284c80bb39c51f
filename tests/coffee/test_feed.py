"""The lean-coffee calendar feed, fetched from `wgbot serve`'s WSGI app as a calendar does: it
parses with icalendar, keeps each meetup's UID through moves and cancellation, shows the agenda
once there is one, and names nobody."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.coffee import service
from bot.coffee.glance import Glance
from bot.config import IsolatedSettings
from bot.onboarding import views as onboarding_views
from bot.onboarding.content import content_at
from bot.web.server import wsgi_app
from tests.coffee.conftest import CHANNEL, MEETUP, SCHEDULE, TEAM, VOTE, Bot, build
from tests.conftest import SIGNING_SECRET
from tests.web.test_health import call

LINK = "https://zoom.us/j/123?pwd=a,b;c"
PUBLIC = "https://wgbot.example.org"


def fetch(bot: Bot, path: str = f"/coffee/{CHANNEL}.ics") -> tuple[int, str]:
    return call(wsgi_app(bot.app, bot.store, SIGNING_SECRET, clock=bot.clock), path)


def events(bot: Bot) -> list[Any]:
    status, body = fetch(bot)
    assert status == 200, body
    cal = Calendar.from_ical(body)
    return [c for c in cal.walk("VEVENT")]


def test_the_feed_parses_with_its_time_zone_link_and_a_stable_uid(bot: Bot) -> None:
    bot.schedule(f"{SCHEDULE} link {LINK}")
    status, body = fetch(bot)
    assert status == 200
    cal = Calendar.from_ical(body)
    (tz,) = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/London"
    (event,) = cal.walk("VEVENT")
    starts = event.decoded("DTSTART")
    assert starts == MEETUP and starts.tzinfo == ZoneInfo("Europe/London")
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTEND") - starts == dt.timedelta(hours=1)
    assert str(event["LOCATION"]) == LINK and str(event["URL"]) == LINK
    assert str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 0
    assert LINK in str(event["DESCRIPTION"])
    uid = str(event["UID"])
    assert uid == str(events(bot)[0]["UID"])  # the same on every fetch


def test_the_agenda_arrives_escaped_once_and_without_names(bot: Bot) -> None:
    tricky = 'Golden, paths; & <b>roads</b> \\ "quoted"'
    meetup_id, (first, second) = bot.to_voting([tricky, "Second topic"])
    assert bot.vote(first, "UVOTER1") == 200 and bot.vote(first, "UVOTER2") == 200
    assert bot.vote(second, "UVOTER1") == 200
    bot.settle()
    before = events(bot)
    assert "Voting on the topics is open" in str(before[0]["DESCRIPTION"])
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    bot.settle()
    status, body = fetch(bot)
    assert status == 200
    assert "UPROP1" not in body and "UVOTER" not in body  # nobody is named
    meetup, following = Calendar.from_ical(body).walk("VEVENT")
    description = str(meetup["DESCRIPTION"])
    assert f"1. {tricky} (2 votes)" in description  # exactly as proposed, after parsing
    assert "2. Second topic (1 vote)" in description
    assert str(meetup["UID"]) == str(before[0]["UID"])
    assert "\\," in body and "\\;" in body  # escaped on the wire as RFC 5545 says, once
    assert "&amp;" not in body and "&lt;" not in body
    assert str(following["UID"]) != str(meetup["UID"]) and following.decoded("DTSTART") > MEETUP
    assert meetup_id


def test_a_moved_meetup_keeps_its_uid_and_a_cancelled_one_says_so(bot: Bot) -> None:
    bot.schedule()
    (first,) = events(bot)
    answer = bot.organise(SCHEDULE.replace("tuesday 16:00", "wednesday 17:00"))
    assert answer.params["text"].startswith("Lean coffee here:")
    (moved,) = events(bot)
    assert str(moved["UID"]) == str(first["UID"])
    assert moved.decoded("DTSTART") == MEETUP + dt.timedelta(days=1, hours=1)
    assert int(moved["SEQUENCE"]) == 1
    bot.organise("cancel")
    cancelled = events(bot)[0]
    assert str(cancelled["UID"]) == str(first["UID"])
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 2


@pytest.mark.parametrize(
    "path", ["/coffee/CUNKNOWN.ics", "/coffee/c0wgplat.ics", "/coffee/../x.ics", "/coffee/"]
)
def test_no_feed_where_there_is_no_series(bot: Bot, path: str) -> None:
    bot.schedule()
    assert fetch(bot, path)[0] == 404


def test_coffee_and_the_welcome_offer_the_feed_only_with_a_public_address(
    bot: Bot, coffee_settings: Any, store: Any, clock: Any, background: Any
) -> None:
    bot.schedule()
    status, ack = bot.command("")
    assert status == 200 and ".ics" not in str(ack["blocks"])
    public = coffee_settings.model_copy(update={"public_url": PUBLIC})
    app, _ = build(public, store, clock, background)
    bot.app = app
    status, ack = bot.command("")
    assert f"<{PUBLIC}/coffee/{CHANNEL}.ics|Add the lean coffees to your calendar>" in str(
        ack["blocks"]
    )
    content = content_at(coffee_settings.welcome_file)
    with store.session() as db:
        for url, offered in (("", False), (PUBLIC, True)):
            glance = Glance((CHANNEL,), url, onboarding_views.COFFEE_LINK)
            reply = onboarding_views.welcome_for(db, content, glance, TEAM, "UNEW", "Nia", clock())
            assert (f"{PUBLIC}/coffee/{CHANNEL}.ics" in str(reply.blocks)) is offered


def test_the_feed_changes_nothing(bot: Bot) -> None:
    bot.schedule()
    with bot.store.session() as db:
        before = [(s.id, s.state, s.sequence) for s in db.query(service.CoffeeMeetup).all()]
    bot.clock.now = VOTE + dt.timedelta(days=30)  # a fetch never moves the series on
    fetch(bot)
    with bot.store.session() as db:
        after = [(s.id, s.state, s.sequence) for s in db.query(service.CoffeeMeetup).all()]
    assert before == after


def test_the_public_address_is_a_web_address() -> None:
    assert IsolatedSettings(WGBOT_PUBLIC_URL="https://wgbot.example.org/").public_url == (
        "https://wgbot.example.org"
    )
    with pytest.raises(ValueError, match="the bot's web address"):
        IsolatedSettings(WGBOT_PUBLIC_URL="wgbot.example.org")
