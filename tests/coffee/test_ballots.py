"""Ballots people can see (My votes, how many have voted, an organiser's peek) and topics
people can explain (descriptions, proposers hidden while voting when the series says so)."""

from __future__ import annotations

import datetime as dt

from bot.coffee import views
from bot.store.models import CoffeeTopic
from tests.coffee.conftest import MEETUP, SCHEDULE, shown


def my_votes(bot, user: str) -> dict:
    meetup_id = bot.meetup_id()
    bot.click(views.MY_VOTES, str(meetup_id), user=user, reply=f"mine-{user}")
    return bot.reply(f"mine-{user}").params


def test_my_votes_shows_my_topics_and_takes_one_back(bot):
    meetup_id, (a, b, c) = bot.to_voting(["Golden paths", "APIs", "Portals"])
    answer = my_votes(bot, "U1")
    assert answer["text"] == "You have not voted yet. You have *3* of 3 votes left."
    bot.vote(a, "U1")
    bot.vote(c, "U1")
    bot.vote(b, "U2")
    answer = my_votes(bot, "U1")
    assert answer["response_type"] == "ephemeral"
    blocks = answer["blocks"]
    assert blocks[0]["text"]["text"] == "*Your votes.* You have *1* of 3 votes left."
    assert [b["text"]["text"] for b in blocks[1:]] == ["*1.* Golden paths", "*3.* Portals"]
    assert [b["accessory"]["value"] for b in blocks[1:]] == [
        f"{meetup_id}:{a}",
        f"{meetup_id}:{c}",
    ]
    # the Take one back button is the same action Slack sends for any take-back
    bot.click(views.UNVOTE, blocks[1]["accessory"]["value"], user="U1", reply="back")
    assert bot.reply("back").params["text"].startswith("Vote taken back from “Golden paths”.")
    assert bot.votes_by_user() == {"U1": 1, "U2": 1}


def test_the_voting_message_says_how_many_have_voted_with_counts_hidden(bot):
    _, (a, b) = bot.to_voting(["Golden paths", "APIs"])
    bot.vote(a, "U1")
    bot.vote(b, "U1")
    bot.vote(a, "U2")
    board = shown(bot.updates()[-1])
    assert "2 people have voted so far." in board
    assert "*2* votes" not in board  # the counts themselves stay hidden


def test_organisers_can_peek_privately_and_others_cannot(bot):
    _, (a, _) = bot.to_voting(["Golden paths", "APIs"])
    bot.vote(a, "U1")
    answer = bot.organise("peek")
    assert answer.params["response_type"] == "ephemeral"
    assert answer.params["text"] == (
        "*Votes so far* (only you see this; 1 person has voted):\n"
        "*1.* Golden paths · *1*\n*2.* APIs · *0*"
    )
    refused = bot.organise("peek", user="U9")
    assert refused.params["text"].startswith("Only organisers can do that.")


def test_a_description_is_stored_escaped_on_output_and_shown_under_the_topic(bot):
    meetup_id = bot.to_collecting()
    payload_text = "Why: <!here> & teams\nsecond line"
    response = bot.submit_modal(f"{meetup_id}:", "Golden paths", user="U1", details=payload_text)
    assert response.status == 200
    (topic,) = bot.topics(meetup_id)
    assert topic.description == payload_text
    board = shown(bot.updates()[-1])
    assert ">Why: &lt;!here&gt; &amp; teams\n>second line" in board
    too_long = bot.submit_modal(f"{meetup_id}:", "Another", user="U2", details="x" * 1001)
    assert '"description"' in too_long.body and "1,001 characters" in too_long.body
    assert bot.count(CoffeeTopic) == 1


def test_proposers_can_be_hidden_while_votes_are_cast(bot):
    bot.to_voting(["Golden paths"], text=SCHEDULE + " anonymous")
    assert "User UPROP1" not in shown(bot.posts()[-1])
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    assert "_User UPROP1_" in shown(bot.posts()[-1])  # the agenda names them
