"""A meetup of long topics and a meeting of long takeaways: every message stays inside what
Slack accepts, its blocks' text at most ~12,000 characters (msg_blocks_too_long past it).
The fake Slack refuses any message over it, so each test also proves nothing was refused."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.coffee import meeting_views as mv
from bot.coffee.service import MAX_TOPIC, MAX_TOPICS
from bot.coffee.voices import MAX_TAKEAWAY
from bot.slack.blocks import BLOCKS_TEXT, text_length
from tests.coffee.conftest import MEETUP, VOTE, shown, vote_buttons
from tests.coffee.meeting_helpers import board, buttons, facilitate, submit_note, thread

TITLE = "Golden paths for every team & every service, "  # escaped, "&" grows to "&amp;"


def _long_topics(bot, meetup_id: int) -> None:
    for n in range(MAX_TOPICS):
        title = f"{n} {TITLE * 10}"[:MAX_TOPIC]
        details = ("Why it matters to us: " + "the platform & its users " * 40)[:1000]
        assert bot.submit_modal(f"{meetup_id}:", title, user=f"U{n:02d}", details=details).status
    assert len(bot.topics(meetup_id)) == MAX_TOPICS


def test_a_meetup_of_long_described_topics_shows_every_topic_in_one_message(bot):
    meetup_id = bot.to_collecting()
    _long_topics(bot, meetup_id)
    collecting = bot.updates()[-1]
    text = shown(collecting)  # checked as Slack checks it
    assert text_length(collecting.params["blocks"]) <= BLOCKS_TEXT
    for n in range(MAX_TOPICS):
        assert f"*{n + 1}.* {n} Golden paths for every team &amp; every" in text, n
    assert not bot.slack.invalid

    bot.clock.now = VOTE + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    voting = bot.posts()[-1]
    shown(voting)
    assert len(vote_buttons(voting.params["blocks"])) == MAX_TOPICS  # every topic votable

    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    agenda = [p for p in bot.posts() if p.params["text"].startswith("Lean coffee agenda")]
    text = "\n".join(shown(p) for p in agenda)
    for n in range(MAX_TOPICS):
        assert f"*{n + 1}.* {n} Golden paths" in text, n
    assert not bot.slack.invalid


@pytest.mark.slow
def test_a_summary_of_many_long_takeaways_is_split_over_messages_in_the_thread(bot):
    meetup_id = bot.to_voting(["Golden paths", "Platform as a product"])[0]
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    facilitate(bot, meetup_id, mv.NEXT)
    note = buttons(board(bot, meetup_id))[mv.NOTE]
    for n in range(40):
        words = f"Takeaway {n}: " + ("we learnt that golden paths & docs help " * 20)
        assert submit_note(bot, note, words[:MAX_TAKEAWAY], user=f"U{n:02d}").status == 200
    assert not bot.slack.invalid  # the board with its ten latest takeaways fits
    bot.organise("end")
    pages = thread(bot, meetup_id)
    assert len(pages) > 1  # 40 × 500 characters: more than one message holds
    for page in pages:
        assert text_length(page.params["blocks"]) <= BLOCKS_TEXT
    summary = "\n".join(shown(page) for page in pages)
    for n in range(40):
        assert f"_Takeaway:_ Takeaway {n}: we learnt" in summary, n
    assert not bot.slack.invalid
