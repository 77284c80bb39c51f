"""The defects found by trying lean coffee as a facilitator and members would: each is driven
through signed requests and checked on what reached the fake Slack and in the database."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.coffee import topics, views
from bot.coffee.service import MAX_TOPICS, CoffeeError
from bot.slack.incoming import slack_text
from bot.store.models import CoffeeTopic
from tests.blocks import all_text
from tests.coffee.conftest import CHANNEL, MEETUP, VOTE, button_ids, shown
from tests.support.requests import command_body


def ephemerals(bot, user: str) -> list:
    return [c for c in bot.calls() if c.method == "chat.postEphemeral" and c.params["user"] == user]


def test_slack_text_decodes_the_three_entities_once():
    assert slack_text("Dev &amp; Ops &lt;team&gt;") == "Dev & Ops <team>"
    assert slack_text("&amp;lt;b&amp;gt;") == "&lt;b&gt;"  # what Slack sends for "&lt;b&gt;"
    assert slack_text("&quot; &#39; &nbsp;") == "&quot; &#39; &nbsp;"  # Slack escapes only three
    assert slack_text(None) == ""
    # the tests send text the way Slack does
    assert "text=Dev+%26amp%3B+Ops" in command_body("/coffee", "Dev & Ops")


def test_a_topic_with_ampersands_and_brackets_is_shown_escaped_once(bot):
    meetup_id = bot.to_collecting()
    _, ack = bot.command("propose Dev & Ops <at> scale", user="U1")
    assert ack["text"] == "Added *1.* Dev &amp; Ops &lt;at&gt; scale"
    (topic,) = bot.topics(meetup_id)
    assert topic.title == "Dev & Ops <at> scale"
    assert "Dev &amp; Ops &lt;at&gt; scale" in shown(bot.updates()[-1])
    assert "&amp;amp;" not in shown(bot.updates()[-1])


def test_a_modal_value_is_stored_as_typed(bot):
    meetup_id = bot.to_collecting()
    response = bot.submit_modal(f"{meetup_id}:", "Literally &amp; typed", user="U1")
    assert response.status == 200 and not response.body
    (topic,) = bot.topics(meetup_id)
    assert topic.title == "Literally &amp; typed"


def test_a_stale_vote_button_tells_the_votes_really_left(bot):
    _, (golden, dup, _) = bot.to_voting(["Golden paths", "Golden path adoption", "APIs"])
    assert bot.vote(golden, "U1") == 200
    assert bot.organise("merge 2 into 1").params["text"].startswith("Merged topic 2 into 1")
    bot.vote(dup, "U1", reply="stale")
    answer = bot.reply("stale").params["text"]
    assert answer == "That topic is no longer on the list. You have *2* of 3 votes left."


def test_mine_says_topic_once_and_numbers_each_without_added(bot):
    bot.to_collecting()
    bot.command("propose Golden paths", user="U1")
    _, ack = bot.command("mine", user="U1")
    assert ack["text"] == "Your topic for the next lean coffee"
    assert "Added" not in str(ack["blocks"])
    assert ack["blocks"][1]["text"]["text"] == "*1.* Golden paths"
    assert button_ids(ack["blocks"]) == [views.EDIT, views.WITHDRAW]
    bot.command("propose Platform as a product", user="U1")
    _, ack = bot.command("mine", user="U1")
    assert ack["text"] == "Your 2 topics for the next lean coffee"


def test_a_merge_keeps_the_words_and_tells_the_proposer(bot):
    _, (golden, _, _) = bot.to_voting(["Golden paths", "Paved roads & adoption", "APIs"])
    bot.organise("merge 2 into 1")
    with bot.store.session() as db:
        assert db.get(CoffeeTopic, golden).description == "Merged in: Paved roads & adoption"
    # told by DM, wherever they are; nobody else is
    dms = bot.dms()
    assert list(dms) == ["UPROP2"] and len(dms["UPROP2"]) == 1
    assert (
        "An organiser merged your lean coffee topic “Paved roads &amp; adoption” into "
        f"“Golden paths” in <#{CHANNEL}>: your words are in its description, and the votes for "
        "yours count for it, once a person."
    ) in dms["UPROP2"][0]
    assert not ephemerals(bot, "UPROP2")
    assert "Paved roads &amp; adoption" in shown(bot.updates()[-1])


def test_a_person_may_propose_three_topics_by_default_and_the_series_can_change_it(bot):
    meetup_id = bot.to_collecting()
    for n in range(3):
        _, ack = bot.command(f"propose Topic number {n}", user="U1")
        assert ack["text"].startswith("Added"), ack
    _, ack = bot.command("propose One more", user="U1")
    assert ack["text"].startswith("You already have 3 topics for this meetup")
    assert len(bot.topics(meetup_id)) == 3
    answer = bot.organise("schedule proposals 4")
    assert "up to 4 topics a person" in answer.params["text"]
    _, ack = bot.command("propose One more", user="U1")
    assert ack["text"].startswith("Added *4.*")
    bad = bot.organise("schedule proposals 0")
    assert bad.params["text"] == "Each person can propose 1 to 40 topics a meetup."


def test_the_same_words_twice_are_refused_with_a_pointer(bot):
    meetup_id = bot.to_collecting()
    bot.command("propose Golden paths", user="U1")
    _, ack = bot.command("propose   golden PATHS!", user="U2")
    assert ack["text"] == "Topic 1 already says that (“Golden paths”): vote for it instead?"
    assert len(bot.topics(meetup_id)) == 1
    response = bot.submit_modal(f"{meetup_id}:", "Golden-paths", user="U3")
    assert response.status == 200
    assert '"errors"' in response.body and "Topic 1 already says that" in response.body
    assert len(bot.topics(meetup_id)) == 1


def test_emoji_and_punctuation_topics_are_compared_as_they_are(bot):
    meetup_id = bot.to_collecting()
    distinct = ["🍕🍕", "☕☕", "???", "!!!", "☕ tips", "🍕 tips", "C++", "👩‍💻 devs"]
    for n, title in enumerate(distinct, start=1):
        _, ack = bot.command(f"propose {title}", user=f"U{n}")
        assert ack["text"] == f"Added *{n}.* {title}", ack
    # the same again, as people type it again: other case, spacing, punctuation, presentation
    again = {"☕️☕️": "☕☕", " ???  ": "???", "☕️ Tips!": "☕ tips", "c++": "C++"}
    for title, first in again.items():
        _, ack = bot.command(f"propose {title}", user="UAGAIN")
        n = distinct.index(first) + 1
        assert ack["text"] == f"Topic {n} already says that (“{first}”): vote for it instead?"
    response = bot.submit_modal(f"{meetup_id}:", "🍕🍕", user="UMODAL")
    assert '"errors"' in response.body and "Topic 1 already says that" in response.body
    # and words still match whatever punctuation and case surround them
    _, ack = bot.command("propose Golden paths", user="UW1")
    assert ack["text"].startswith("Added")
    for title in ("golden-paths", "GOLDEN   PATHS!", "“Golden paths”", "Ｇｏｌｄｅｎ paths"):
        _, ack = bot.command(f"propose {title}", user="UW2")
        assert ack["text"].startswith("Topic 9 already says that"), (title, ack)
    assert [t.title for t in bot.topics(meetup_id)] == [*distinct, "Golden paths"]
    # an edit into what another topic already says is refused the same way
    coffee = bot.topics(meetup_id)[1]
    with bot.store.session() as db, pytest.raises(CoffeeError, match="Topic 1 already says"):
        topics.edit(db, coffee.id, coffee.user_id, "🍕\ufe0f🍕")


def test_a_modal_proposal_gets_the_private_confirmation_with_edit_and_withdraw(bot):
    meetup_id = bot.to_collecting()
    response = bot.submit_modal(f"{meetup_id}:", "Platform <teams>", user="U7")
    assert response.status == 200
    (note,) = ephemerals(bot, "U7")
    assert note.params["text"] == "Added *1.* Platform &lt;teams&gt;"
    assert button_ids(note.params["blocks"]) == [views.EDIT, views.WITHDRAW]


def test_proposers_are_named_on_the_voting_message_and_the_agenda_never_pinged(bot):
    bot.to_voting(["Golden paths", "APIs"])
    vote_post = bot.posts()[-1]
    assert "*1.* Golden paths  ·  _User UPROP1_" in shown(vote_post)
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    agenda = bot.posts()[-1]
    assert "*2.* APIs · *0* votes · _User UPROP2_" in shown(agenda)
    assert "<@" not in str(agenda.params) and "<@" not in str(vote_post.params)


@pytest.mark.slow
def test_carry_counts_toward_the_cap_and_says_what_did_not_fit(bot):
    first = bot.to_collecting()
    for n in range(MAX_TOPICS):
        _, ack = bot.command(f"propose Topic {n} " + "&" * 150, user=f"U{n:02d}")
        assert ack["text"].startswith("Added"), ack
    bot.clock.now = VOTE + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    assert bot.organise("open").params["text"] == "Done: this meetup is now collecting."
    second = bot.meetup_id()
    assert second != first
    for n in range(5):
        bot.command(f"propose Fresh {n}", user=f"UNEW{n}")
    answer = bot.organise("carry")
    assert answer.params["text"] == (
        f"Carried {MAX_TOPICS - 5} undiscussed topics over. 5 more did not fit: a meetup takes "
        f"at most {MAX_TOPICS} topics."
    )
    assert len(bot.topics(second)) == MAX_TOPICS
    assert not bot.slack.invalid  # every message stayed inside Slack's limits
    board = bot.updates()[-1]
    # every topic shown, once escaped, titles shortened so the message fits Slack's ~12,000
    for n in range(MAX_TOPICS - 5):
        assert f"Topic {n} &amp;&amp;" in shown(board), n
    assert "&amp;amp;" not in shown(board)
    # the proposers of carried topics are told by DM, once each; the proposers left behind
    # and the new meetup's proposers are not
    dms = bot.dms()
    assert sorted(dms) == [f"U{n:02d}" for n in range(MAX_TOPICS - 5)]
    assert all(len(texts) == 1 for texts in dms.values())
    assert dms["U00"][0].startswith("Your lean coffee topic “Topic 0 &amp;")
    assert bot.organise("carry").params["text"] == (
        "No undiscussed topic was carried over: 5 did not fit, a meetup takes at most 40 topics."
    )
    assert bot.dms() == dms


def test_a_cancelled_meetups_topics_can_be_carried(bot):
    first = bot.to_collecting()
    bot.command("propose Golden paths", user="U1")
    assert bot.organise("cancel").params["text"] == "Done: this meetup is now cancelled."
    assert bot.organise("open").params["text"] == "Done: this meetup is now collecting."
    answer = bot.organise("carry")
    assert answer.params["text"] == "Carried 1 undiscussed topic over."
    second = bot.meetup_id()
    assert second != first
    assert [t.title for t in bot.topics(second)] == ["Golden paths"]


def test_every_time_in_a_meetups_messages_is_a_date_token(bot):
    bot.to_voting(["Golden paths"])
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    _, status = bot.command("")
    # a time outside a token is only the series' own rule, which names its zone
    bare = re.compile(r"\d\d:\d\d(?! Europe/London)(?![^<]*>)")
    for call in bot.channel_calls():
        assert not bare.search(shown(call)), shown(call)
    assert not bare.search(status["text"] + all_text(status["blocks"]))
