"""Odd input to `/coffee schedule` and the organiser's numbered words is answered with what to
write instead, never the apology for a failure: digits Unicode has besides 0-9, numbers too
long for int(), and time zone names that are regions, paths or nothing at all."""

from __future__ import annotations

import logging

import pytest

from bot.coffee.schedule import ScheduleError, SeriesSettings, parse_schedule
from bot.slack.mrkdwn import escape
from bot.slack.replies import SORRY
from bot.store.models import CoffeeSeries
from tests.coffee.conftest import SCHEDULE

DIGITS = ["²", "١", "٣", "３", "½", "Ⅻ", "𝟘", "9" * 5000, "-1", "+2", "0x10", "1e3", "3.0"]
ZONES = [
    "Europe/" + "x" * 300,
    "America/Argentina",  # a folder of zones, not a zone
    "America/Argentina/",
    "Europe/",
    "/",
    "//",
    "Europe//London",
    "Europe/../Europe/London",
    "../../../etc/passwd",
    "/etc/localtime",
    "Europe/London/",
    "posixrules/x",
    "Etc/GMT+99",
    "Europe/Lоndon",  # a Cyrillic o
    "ZONE/" + "/" * 500,
]
ODD = (
    [f"every {d}" for d in DIGITS]
    + [f"votes {d}" for d in DIGITS]
    + [f"dots {d}" for d in DIGITS]
    + [f"proposals {d}" for d in DIGITS]
    + [f"every 2 weeks tuesday 16:00 Europe/London votes {d}" for d in ("²", "9" * 400)]
    + [f"collect {d}d" for d in DIGITS[:4]]
    + [f"vote {d}h" for d in DIGITS[:4]]
    + [f"timebox {d}" for d in DIGITS[:4]]
    + [f"remind {d}h" for d in DIGITS[:4]]
    + [f"extend {d}" for d in DIGITS[:4]]
    + [f"{h}:{m}" for h, m in (("١٦", "٠٠"), ("16", "²0"), ("9" * 300, "00"))]
    + [f"starting 2026-1{d}-01" for d in DIGITS[:4]]
    + [f"starting {day}" for day in ("9999-12-31", "9999-01-01", "0001-01-01", "2026-02-30")]
    + ZONES
    + [f"tuesday 16:00 {z} votes 3" for z in ZONES[:3]]
)


def test_odd_schedules_get_the_parse_message_and_change_nothing(bot, caplog):
    caplog.set_level(logging.INFO)
    bot.schedule(SCHEDULE)
    with bot.store.session() as db:
        before = db.query(CoffeeSeries).one()
        kept = (before.every_weeks, before.votes_per_person, before.timezone, before.at)
    for rest in ODD:
        answer = bot.organise(f"schedule {rest}").params["text"]
        assert answer != SORRY and "Sorry" not in answer, (rest, answer)
        # the parser's own message, escaped, and showing only the start of what was typed
        with pytest.raises(ScheduleError) as said:
            parse_schedule(rest, SeriesSettings())
        assert answer == escape(str(said.value)), rest
        assert len(answer) < 1000
        assert "<" not in answer.replace("&lt;", "")
    with bot.store.session() as db:
        after = db.query(CoffeeSeries).one()
        assert (after.every_weeks, after.votes_per_person, after.timezone, after.at) == kept
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("zone", ["europe/london", "UTC", "utc", "America/Argentina/Salta"])
def test_a_real_zone_is_taken_in_any_case_and_stored_as_the_tz_database_spells_it(bot, zone):
    bot.schedule(f"{SCHEDULE} {zone}")
    with bot.store.session() as db:
        stored = db.query(CoffeeSeries).one().timezone
    assert stored.lower() == zone.lower() and stored in ("Europe/London", "UTC", zone)


@pytest.mark.slow
def test_odd_topic_numbers_for_organisers_are_answered_with_the_usage(bot, caplog):
    caplog.set_level(logging.INFO)
    bot.to_voting(["Golden paths", "Platform as a product"])
    for rest in [f"{word} {d}" for word in ("remove", "done", "carry") for d in DIGITS] + [
        f"merge {a} into {b}" for a, b in (("²", "1"), ("1", "٣"), ("9" * 5000, "1"))
    ]:
        answer = bot.organise(rest).params["text"]
        assert answer != SORRY and "Sorry" not in answer, (rest, answer)
        assert escape(answer) == answer or "&" in answer
    assert len(bot.topics()) == 2  # nothing removed or merged
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
