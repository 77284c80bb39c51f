"""`/coffee schedule … starting … link … remind …`: the first week, the meeting link on every
message, and reminders posted once each, whoever ticks and however often."""

from __future__ import annotations

import datetime as dt

from tests.coffee.conftest import MEETUP, SCHEDULE, VOTE, build, shown, token

STARTING = dt.datetime(2026, 4, 14, 15, 0, tzinfo=dt.UTC)  # Tue 14 April, 16:00 BST
LINK = "https://meet.example.org/wg-platforms?pwd=a&b=c"


def reminders(bot) -> list:
    return [c for c in bot.posts() if c.params["text"].startswith("Lean coffee starts")]


def test_starting_picks_the_week_a_fortnightly_series_starts(bot):
    answer = bot.organise(SCHEDULE + " starting 2026-04-14")
    assert "; starting 2026-04-14" in answer.params["text"]
    (s,) = bot.meetups()
    assert s.starts_at == STARTING  # not 24 March or 7 April
    bad = bot.organise("schedule starting 14/04/2026")
    assert bad.params["text"] == "“14/04/2026” is not a date; write it like starting 2026-12-08."
    (s,) = bot.meetups()
    assert s.starts_at == STARTING


def test_the_meeting_link_is_on_every_message(bot):
    refused = bot.organise(SCHEDULE + " link http://meet.example.org/x")
    assert refused.params["text"].startswith("The meeting link must be an https:// address")
    assert bot.meetups() == []
    bot.to_voting(["Golden paths"], text=SCHEDULE + f" link {LINK} remind 1h")
    bot.clock.now = MEETUP - dt.timedelta(minutes=30)
    bot.coffee.meetup_runner.tick()
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    posts = bot.posts()
    assert len(posts) == 4  # collection, voting, the reminder, the agenda
    escaped = LINK.replace("&", "&amp;")
    for call in posts:
        assert f"Meeting link: <{escaped}|{escaped}>" in shown(call), call.params["text"]


def test_reminders_are_posted_once_each_whoever_ticks(bot, coffee_settings, store):
    bot.to_voting(["Golden paths", "APIs"], text=SCHEDULE + " remind 2h,10m")
    assert reminders(bot) == []
    bot.clock.now = MEETUP - dt.timedelta(hours=2) + dt.timedelta(seconds=5)
    assert bot.coffee.meetup_runner.tick() == 0
    bot.coffee.meetup_runner.tick()
    # a second process (a restart, or a clock by mistake) ticks too: nothing more
    _, other = build(coffee_settings, store, bot.clock, bot.background)
    other.meetup_runner.tick()
    (first,) = reminders(bot)
    at = token(MEETUP, "Tue 24 Mar, 16:00 GMT")
    assert first.params["text"] == (
        f"Lean coffee starts {at}; voting closes then: 2 topics, cast your votes above "
        "(0 people have voted so far)."
    )
    bot.clock.now = MEETUP - dt.timedelta(minutes=10)
    other.meetup_runner.tick()
    bot.coffee.meetup_runner.tick()
    assert len(reminders(bot)) == 2
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    assert len(reminders(bot)) == 2


def test_a_bot_down_across_two_reminders_posts_only_the_nearest(bot):
    bot.to_collecting(SCHEDULE + " remind 26h,2h")
    bot.clock.now = VOTE - dt.timedelta(hours=1)  # 25 hours before: the 26h one is due
    bot.coffee.meetup_runner.tick()
    (collecting,) = reminders(bot)
    assert "topics are open until" in collecting.params["text"]
    bot.clock.now = MEETUP - dt.timedelta(minutes=30)  # down through voting opening and 2h
    bot.coffee.meetup_runner.tick()  # opens voting
    bot.coffee.meetup_runner.tick()  # the 2h reminder, late but once
    bot.coffee.meetup_runner.tick()
    assert len(reminders(bot)) == 2


def test_bad_reminders_are_refused(bot):
    answer = bot.organise(SCHEDULE + " remind 2x")
    assert answer.params["text"] == "“2x” is not a reminder time; write them like 2h,10m."
    assert bot.meetups() == []
