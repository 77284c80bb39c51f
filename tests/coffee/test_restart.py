"""Restarts, doubled clocks and long outages: each meetup moves once and is announced once."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest

from bot.coffee import views
from bot.store import Store
from bot.store.models import CoffeeMeetup, CoffeeVote
from tests.coffee.conftest import MEETUP, NEXT_MEETUP, SCHEDULE, Bot, build, shown
from tests.conftest import DB_TIMEOUT

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def second_store(db_url):
    """Another connection pool on the same database, as a second process would have."""
    s = Store(db_url, timeout=DB_TIMEOUT)
    yield s
    s.dispose()


def agendas(bot: Bot) -> list:
    return [c for c in bot.posts() if c.params["text"].startswith("Lean coffee agenda")]


def test_a_restart_past_the_start_closes_the_meetup_once(bot, coffee_settings, store):
    meetup_id, (a, b) = bot.to_voting(["Golden paths", "Platform as a product"])
    bot.vote(b, "U1")
    bot.vote(b, "U2")
    bot.vote(a, "U3")
    assert bot.count(CoffeeVote) == 3
    bot.settle()
    vote_ts = bot.posts()[-1].answer["ts"]

    # the bot is down across the start; a new process comes up two hours late
    bot.clock.now = MEETUP + dt.timedelta(hours=2)
    _, restarted = build(coffee_settings, store, bot.clock, bot.background)
    posts_before = len(bot.posts())
    assert restarted.meetup_runner.tick() == 1
    (agenda,) = agendas(bot)
    assert len(bot.posts()) == posts_before + 1
    assert (
        "*2.* Platform as a product · ▇▇ *2* votes · _User UPROP2_\n"
        "*1.* Golden paths · ▇ *1* vote · _User UPROP1_"
    ) in shown(agenda)
    assert bot.updates()[-1].params["ts"] == vote_ts  # the vote message says voting closed
    first, second = bot.meetups()
    assert (first.id, first.state, first.agenda_ts) == (meetup_id, "closed", agenda.answer["ts"])
    assert (second.state, second.starts_at) == ("scheduled", NEXT_MEETUP)

    # neither the new process nor the old one, nor a third, does it again
    posted = bot.slack.calls_to("chat.postMessage") + bot.slack.calls_to("chat.update")
    assert restarted.meetup_runner.tick() == 0
    assert bot.coffee.meetup_runner.tick() == 0
    assert build(coffee_settings, store, bot.clock, bot.background)[1].meetup_runner.tick() == 0
    assert bot.slack.calls_to("chat.postMessage") + bot.slack.calls_to("chat.update") == posted
    assert len(bot.meetups()) == 2


@pytest.mark.slow
def test_two_clocks_ticking_at_once_announce_each_step_once(bot, coffee_settings, second_store):
    bot.schedule()
    _, other = build(coffee_settings, second_store, bot.clock, bot.background)
    clocks = [bot.coffee.meetup_runner, other.meetup_runner]

    def tick_together() -> list[int]:
        barrier = threading.Barrier(len(clocks))
        moved = [0] * len(clocks)

        def run(i: int) -> None:
            barrier.wait()
            moved[i] = clocks[i].tick()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clocks))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        return moved

    starts = []
    for meetup in range(3):
        s = [x for x in bot.meetups() if x.state == "scheduled"][-1]
        starts.append(s.starts_at)
        for moment, state in ((s.collect_at, "collecting"), (s.vote_at, "voting")):
            bot.clock.now = moment + dt.timedelta(seconds=1)
            assert sorted(tick_together()) == [0, 1], (meetup, state)
            assert [x.state for x in bot.meetups() if x.id == s.id] == [state]
            if state == "collecting":
                bot.command(f"propose Topic of meetup {meetup}", user="U1")
        bot.clock.now = s.starts_at + dt.timedelta(seconds=1)
        assert sorted(tick_together()) == [0, 1]
        assert sorted(tick_together()) == [0, 0]
        # one collection message, one vote message and one agenda per meetup, never two; the
        # meeting before, which nobody ended, ended on its own: its summary is in its thread
        channel = [p for p in bot.posts() if not p.params.get("thread_ts")]
        assert len(channel) == 3 * (meetup + 1)
        summaries = [p for p in bot.posts() if p.params["text"].startswith("Lean coffee summary")]
        assert len(summaries) == meetup
        assert len(agendas(bot)) == meetup + 1
        assert f"Topic of meetup {meetup}" in shown(agendas(bot)[-1])

    states = [x.state for x in bot.meetups()]
    assert states == ["closed", "closed", "closed", "scheduled"]
    # fortnightly, and 16:00 in London before and after the clocks went forward
    assert [s.hour for s in starts] == [16, 15, 15]
    assert {s.astimezone(LONDON).strftime("%a %H:%M") for s in starts} == {"Tue 16:00"}


def test_a_long_outage_closes_the_missed_meetup_once_and_skips_to_the_next(bot):
    bot.schedule()
    # down from before collection opened until five weeks later
    bot.clock.now = MEETUP + dt.timedelta(weeks=5)
    assert bot.coffee.meetup_runner.tick() == 1
    assert bot.coffee.meetup_runner.tick() == 0
    (agenda,) = agendas(bot)
    assert "No topics were proposed for this meetup." in shown(agenda)
    assert len(bot.posts()) == 1  # no collection or vote message for a meetup long gone
    first, second = bot.meetups()
    assert first.state == "closed"
    assert second.state == "scheduled"
    assert second.starts_at > bot.clock.now
    assert second.starts_at - bot.clock.now <= dt.timedelta(weeks=2)
    assert second.starts_at.astimezone(LONDON).strftime("%a %H:%M") == "Tue 16:00"


def test_down_over_collection_opens_straight_into_voting(bot):
    bot.schedule()
    bot.clock.now = MEETUP - dt.timedelta(hours=2)
    assert bot.coffee.meetup_runner.tick() == 1
    (vote_post,) = bot.posts()
    assert "Voting is open until the meetup starts." in shown(vote_post)
    assert "No topics yet: be the first." in shown(vote_post)
    assert bot.updates() == []  # there was no collection message to point on
    (s,) = bot.meetups()
    assert s.state == "voting" and s.message_ts == vote_post.answer["ts"]


def test_october_meetups_stay_at_16_london_when_the_clocks_go_back(bot):
    bot.clock.now = dt.datetime(2026, 10, 2, 12, 0, tzinfo=dt.UTC)
    bot.schedule(SCHEDULE.replace("every 2 weeks", "every week"))
    starts = []
    for _ in range(4):
        s = [x for x in bot.meetups() if x.state == "scheduled"][-1]
        starts.append(s.starts_at)
        assert s.collect_at == s.starts_at - dt.timedelta(days=3)
        bot.clock.now = s.starts_at
        assert bot.coffee.meetup_runner.tick() == 1
    assert [s.date() for s in starts] == [
        dt.date(2026, 10, 6),
        dt.date(2026, 10, 13),
        dt.date(2026, 10, 20),
        dt.date(2026, 10, 27),
    ]
    assert [s.hour for s in starts] == [15, 15, 15, 16]  # UTC; London went back on 25 October
    assert views.when(starts[-1], "Europe/London") == (
        "<!date^1793116800^{date_short_pretty} at {time}|Tue 27 Oct, 16:00 GMT>"
    )
    assert bot.count(CoffeeMeetup) == 5
