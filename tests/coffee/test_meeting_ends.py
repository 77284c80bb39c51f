"""A meeting ends even when nobody ends it: at its start plus the series' length, as `/coffee
end` would (summary, carry-over, proposers told by DM), once whatever clocks tick; a meeting
that begins ends the series' previous one still running; a Roman vote left open closes when its
topic moves on or the meeting ends; and proposers hear by DM what happened to their topics."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.coffee import meeting_views as mv
from bot.store.models import CoffeeRomanVote
from tests.coffee.conftest import CHANNEL, MEETUP, SCHEDULE, build, shown
from tests.coffee.meeting_helpers import (
    board,
    board_ts,
    boxes,
    buttons,
    facilitate,
    thread,
    thumb,
    vote_message,
)
from tests.coffee.test_feed import events

TITLES = ["Golden paths at scale", "Platform as a product", "Paved roads & guard rails"]
OVER = "That vote is over; the board shows where the meeting is."


def _summaries(bot, meetup_id: int) -> list:
    return [c for c in thread(bot, meetup_id) if c.params["text"].startswith("Lean coffee summary")]


@pytest.mark.slow
def test_a_meeting_nobody_ends_ends_at_its_length_once_with_its_votes_closed(
    bot, coffee_settings, store, background
):
    meetup_id, (golden, product, _) = bot.to_voting(TITLES, text=f"{SCHEDULE} length 3m timebox 1")
    for user in ("U1", "U2"):
        bot.vote(product, user)
    bot.vote(golden, "U1")
    # the series says how long its meetings last, and the calendar shows it
    _, ack = bot.command("", user="U1")
    assert "for 3 minutes" in shown_ack(ack)
    (event,) = [e for e in events(bot) if e.decoded("DTSTART") == MEETUP]
    assert event.decoded("DTEND") - MEETUP == dt.timedelta(minutes=3)

    bot.clock.now = MEETUP
    assert bot.coffee.meetup_runner.tick() == 1  # voting closes; the meeting begins
    facilitate(bot, meetup_id, mv.NEXT)  # Platform as a product, 1-minute timebox

    # ---- its timebox runs out: a Roman vote; the board's Start next moves on without it ------
    bot.clock.now = MEETUP + dt.timedelta(minutes=1, seconds=1)
    bot.coffee.meetup_runner.tick()
    (vote,) = thread(bot, meetup_id)
    assert mv.ROMAN in buttons(vote)
    thumb(bot, meetup_id, boxes(bot)[0].id, "down", "U1")
    facilitate(bot, meetup_id, mv.NEXT)  # Golden paths
    first = boxes(bot)[0]
    assert first.outcome == "moved on"
    closed = vote_message(bot, first.vote_ts)
    assert "moved on. 👍 0  👎 1  ✋ 0" in closed
    drawn = [c for c in bot.updates() if c.params["ts"] == first.vote_ts][-1]
    assert buttons(drawn) == {}  # its buttons are gone
    # a late click is answered, privately, and counts for nothing
    assert bot.click(mv.ROMAN, f"{meetup_id}:{first.id}:up", user="U2", reply="late1") == 200
    assert bot.reply("late1").params["text"] == OVER
    assert bot.count(CoffeeRomanVote) == 1

    # ---- the second topic's vote is open when the meeting's time is up ----------------------
    bot.clock.now = MEETUP + dt.timedelta(minutes=2, seconds=2)
    bot.coffee.meetup_runner.tick()
    second = boxes(bot)[1]
    assert second.vote_ts and not second.outcome
    thumb(bot, meetup_id, second.id, "up", "U3")
    bot.clock.now = MEETUP + dt.timedelta(minutes=3) - dt.timedelta(seconds=1)
    bot.coffee.meetup_runner.tick()
    assert bot.meetups()[0].meeting == "running"
    assert _summaries(bot, meetup_id) == []

    # ---- start + 3 minutes: it ends, once, whichever app's clock ticks and however often ----
    _, other = build(coffee_settings, store, bot.clock, background)
    bot.clock.now = MEETUP + dt.timedelta(minutes=3)
    bot.coffee.meetup_runner.tick()
    other.meetup_runner.tick()
    bot.coffee.meetup_runner.tick()
    ended, upcoming = bot.meetups()
    assert ended.meeting == "ended" and ended.ended_at == bot.clock.now
    (summary,) = _summaries(bot, meetup_id)
    text = shown(summary)
    assert "Roman vote 1: 👍 0  👎 1  ✋ 0 → moved on" in text
    assert "Roman vote 1: 👍 1  👎 0  ✋ 0 → the meeting ended first" in text
    assert "no decision" not in text
    assert "*Not discussed (1), carried over to the next meetup*" in text
    assert [t.title for t in bot.topics(upcoming.id)] == ["Paved roads & guard rails"]
    assert "The meeting has ended" in shown(board(bot, meetup_id))
    assert buttons(board(bot, meetup_id)) == {}
    # the open vote closed with it: no buttons, the outcome said, later clicks answered
    assert boxes(bot)[1].outcome == "ended"
    assert "the meeting ended. 👍 1  👎 0  ✋ 0" in vote_message(bot, second.vote_ts)
    drawn = [c for c in bot.updates() if c.params["ts"] == second.vote_ts][-1]
    assert buttons(drawn) == {}
    assert bot.click(mv.ROMAN, f"{meetup_id}:{second.id}:down", user="U4", reply="late2") == 200
    assert bot.reply("late2").params["text"] == OVER
    assert bot.count(CoffeeRomanVote) == 2

    # ---- each proposer is told once by DM; nobody else ---------------------------------------
    dms = bot.dms()
    assert sorted(dms) == ["UPROP1", "UPROP2", "UPROP3"]
    assert all(len(texts) == 1 for texts in dms.values())
    ts = board_ts(bot, meetup_id).replace(".", "")
    assert f"<https://fake.slack.com/archives/{CHANNEL}/p{ts}|the summary>" in dms["UPROP1"][0]
    assert "“Platform as a product” was discussed" in dms["UPROP2"][0]
    assert (
        "“Paved roads &amp; guard rails” was not discussed, so it was carried" in (dms["UPROP3"][0])
    )
    bot.coffee.meetup_runner.tick()
    assert bot.dms() == dms  # sent once


def shown_ack(ack: dict) -> str:
    return ack.get("text", "") + str(ack.get("blocks", ""))


def _meeting_on(bot) -> int:
    meetup_id, _ = bot.to_voting(TITLES)
    bot.clock.now = MEETUP
    assert bot.coffee.meetup_runner.tick() == 1
    facilitate(bot, meetup_id, mv.NEXT)
    return meetup_id


def test_a_meeting_that_begins_ends_the_previous_one_still_running(bot):
    first = _meeting_on(bot)
    bot.clock.now = MEETUP + dt.timedelta(minutes=20)  # well within its hour
    assert bot.organise("open").params["text"] == "Done: this meetup is now collecting."
    bot.command("propose Next time's topic", user="U5")
    answer = bot.organise("start")
    assert answer.params["text"] == "The meeting is on: the agenda in the channel is now the board."
    earlier, later, _ = bot.meetups()
    assert (earlier.id, earlier.meeting, later.meeting) == (first, "ended", "running")
    (summary,) = _summaries(bot, first)
    assert "*1. Golden paths at scale*" in shown(summary)  # the topic it was discussing
    assert bot.organise("end").params["text"] == (
        "The meeting has ended; the summary is in the board's thread."
    )
    assert len(_summaries(bot, first)) == 1
    assert len(_summaries(bot, later.id)) == 1


def test_coffee_end_ends_an_older_meeting_left_running(bot):
    first = _meeting_on(bot)
    bot.clock.now = MEETUP + dt.timedelta(minutes=20)
    # the next meetup's agenda is out, its meeting not begun: the older one still runs
    bot.organise("open")
    bot.command("propose Next time's topic", user="U5")
    assert bot.organise("close").params["text"] == "Done: this meetup is now closed."
    earlier, later, _ = bot.meetups()
    assert (earlier.meeting, later.meeting) == ("running", "")
    assert bot.organise("end").params["text"] == (
        "The meeting has ended; the summary is in the board's thread."
    )
    earlier, later, _ = bot.meetups()
    assert (earlier.meeting, later.meeting) == ("ended", "")
    assert len(_summaries(bot, first)) == 1
    assert bot.organise("end").params["text"] == (
        "No meeting is running; `/coffee start` begins one."
    )


def test_a_removed_topic_is_told_to_its_proposer_by_dm_and_to_nobody_else(bot):
    bot.to_voting(TITLES)
    assert bot.organise("remove 3").params["text"] == "Removed topic 3."
    assert bot.organise("remove 1", user="UPROP1").params["text"].startswith("Only organisers")
    dms = bot.dms()
    assert list(dms) == ["UPROP3"]
    (text,) = dms["UPROP3"]
    assert (
        "An organiser removed your lean coffee topic “Paved roads &amp; guard rails” from the "
        f"meetup in <#{CHANNEL}>."
    ) in text
    assert not bot.slack.calls_to("chat.postEphemeral")
    assert bot.dms() == dms


def test_a_roman_vote_closes_when_done_moves_the_topic_on(bot):
    meetup_id, _ = bot.to_voting(TITLES, text=f"{SCHEDULE} timebox 1")
    bot.clock.now = MEETUP
    bot.coffee.meetup_runner.tick()
    facilitate(bot, meetup_id, mv.NEXT)
    bot.clock.now = MEETUP + dt.timedelta(minutes=1, seconds=1)
    bot.coffee.meetup_runner.tick()
    (box,) = boxes(bot)
    assert box.vote_ts
    facilitate(bot, meetup_id, mv.DONE)
    (box,) = boxes(bot)
    assert box.outcome == "moved on"
    drawn = [c for c in bot.updates() if c.params["ts"] == box.vote_ts][-1]
    assert buttons(drawn) == {} and "moved on." in shown(drawn)
    assert thumb(bot, meetup_id, box.id, "up", "U1") == 200
    bot.settle()
    assert bot.count(CoffeeRomanVote) == 0
    assert bot.slack.calls_to("response_url")[-1].params["text"] == OVER


@pytest.mark.slow
def test_an_open_vote_closes_at_the_end_even_after_another_topic_was_marked_done(bot):
    meetup_id, _ = bot.to_voting(TITLES, text=f"{SCHEDULE} timebox 1")
    bot.clock.now = MEETUP
    bot.coffee.meetup_runner.tick()
    facilitate(bot, meetup_id, mv.NEXT)  # topic 1
    bot.clock.now = MEETUP + dt.timedelta(minutes=1, seconds=1)
    bot.coffee.meetup_runner.tick()
    (box,) = boxes(bot)
    # topic 3 settled without a timebox while topic 1's vote is still open
    bot.organise("done 3")
    assert bot.organise("end").params["text"].startswith("The meeting has ended")
    (box,) = boxes(bot)
    assert box.outcome == "ended"
    drawn = [c for c in bot.updates() if c.params["ts"] == box.vote_ts][-1]
    assert buttons(drawn) == {} and "the meeting ended." in shown(drawn)
