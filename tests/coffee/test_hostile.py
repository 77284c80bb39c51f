"""Topics are user text: none may ping a channel or a person, and junk is refused, not stored."""

from __future__ import annotations

import datetime as dt
import json
import re

from bot.coffee import views
from bot.coffee.service import MAX_TOPIC, MAX_TOPICS
from bot.store.models import CoffeeSeries, CoffeeTopic
from tests.blocks import all_text, assert_valid_blocks, assert_valid_view
from tests.coffee.conftest import MEETUP, VOTE, shown, vote_buttons

DATE_TOKEN = re.compile(r"<!date\^\d+\^[^|<>]*\|[^<>]*>")
RAW = ("<!channel>", "<!here>", "<@U123>", "<#C999|general>", "<https://evil.example|free>")
HOSTILE = [
    "<!channel> read this now",
    "ping <@U123> & <!here>",
    "see <#C999|general> or <https://evil.example|free> *bold* _it_",
]


def everything_sent(bot, acks: list[dict]) -> list[str]:
    """Every message and answer that reached Slack: Web API calls, response URLs, acks."""
    sent = [json.dumps(c.params, ensure_ascii=False) for c in bot.calls()]
    sent += [json.dumps(a, ensure_ascii=False) for a in acks]
    return sent


def test_mentions_and_links_in_topics_are_escaped_everywhere(bot):
    acks: list[dict] = []
    meetup_id = bot.to_collecting()
    _, ack = bot.command(f"propose {HOSTILE[0]}", user="U1")
    acks.append(ack)
    assert ack["text"] == "Added *1.* &lt;!channel&gt; read this now"
    _, ack = bot.command(f"propose {HOSTILE[1]}", user="U2")
    acks.append(ack)
    response = bot.submit_modal(f"{meetup_id}:", HOSTILE[2], user="U3")
    assert response.status == 200 and not response.body
    # stored as typed: escaping is a matter of display
    assert [t.title for t in bot.topics(meetup_id)] == HOSTILE
    _, ack = bot.command("mine", user="U2")
    acks.append(ack)
    _, ack = bot.command("", user="U2")
    acks.append(ack)

    bot.clock.now = VOTE + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    ids = [t.id for t in bot.topics(meetup_id)]
    for n, topic in enumerate(ids):
        # a vote, and the same click twice again (kept: the answer names the topic)
        for k in range(3):
            assert bot.vote(topic, f"UV{n}", reply=f"hv{n}-{k}") == 200
            bot.reply(f"hv{n}-{k}")
    assert bot.reply("hv1-1").params["text"] == (
        "You have a vote on “ping &lt;@U123&gt; &amp; &lt;!here&gt;” already. "
        "You have *2* of 3 votes left."
    )
    assert bot.votes_by_user() == {f"UV{n}": 1 for n in range(3)}
    bot.settle()
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    agenda = bot.posts()[-1]
    assert agenda.params["text"].startswith("Lean coffee agenda")

    # an organiser's answer that quotes the words it did not understand
    answer = bot.organise("schedule <!channel> <@U123>")
    assert "“&lt;!channel&gt;”" in answer.params["text"]

    sent = everything_sent(bot, acks)
    for raw in RAW:
        assert not [s for s in sent if raw in s], raw
    text = "\n".join(sent)
    for escaped in ("&lt;!channel&gt;", "&lt;@U123&gt;", "&lt;!here&gt;", "&amp;"):
        assert escaped in text
    # each kind of message carried the escaped text: the collection and vote messages, their
    # redraws, the agenda, the voter's answer, the proposer's list
    # (the bot's own date tokens, <!date^…>, are the only `<!` allowed)
    for call in [*bot.posts(), *bot.updates()[-1:]]:
        seen = DATE_TOKEN.sub("", shown(call))
        assert "<!" not in seen and "<@" not in seen
    agenda_text = shown(agenda)
    for title in ("&lt;!channel&gt; read this now", "ping &lt;@U123&gt; &amp; &lt;!here&gt;"):
        assert title in agenda_text
    for block in agenda.params["blocks"]:
        assert_valid_blocks([block])


def test_too_long_empty_and_blank_topics_are_refused_with_a_reason(bot):
    meetup_id = bot.to_collecting()
    _, ack = bot.command("propose " + "x" * 5000, user="U1")
    assert ack["text"] == (
        "That topic is 5,000 characters long; keep it under 200 so it fits on the agenda "
        "(details can go in the description: the Propose button on the channel message "
        "has a field for them)."
    )
    for text in ("propose", "propose ", "propose " + " " * 300, "propose \t \n "):
        _, ack = bot.command(text, user="U1")
        assert ack["text"].startswith("A topic needs a few words"), text

    # the modal shows the same reasons beside the field, and stays open
    for text in ("y" * 5000, "", "     ", None):
        response = bot.submit_modal(f"{meetup_id}:", text, user="U2")
        assert response.status == 200
        body = json.loads(response.body)
        assert body["response_action"] == "errors"
        assert set(body["errors"]) == {"topic"}
        assert len(body["errors"]["topic"]) <= 150
        reason = "keep it under 200" if text and text.strip() else "A topic needs a few words"
        assert reason in body["errors"]["topic"], (text, body)
    # a modal left open for a meetup that is gone
    response = bot.submit_modal("999999:", "fine words", user="U2")
    assert json.loads(response.body)["errors"] == {"topic": "That meetup is gone."}
    assert bot.count(CoffeeTopic) == 0
    assert bot.updates() == []  # nothing to redraw

    # exactly at the limit is fine (spaces squeezed first); one more is not
    _, ack = bot.command("propose " + "a" * MAX_TOPIC, user="U1")
    assert ack["text"].startswith("Added *1.*")
    _, ack = bot.command("propose " + "b  " * 100 + "b", user="U1")
    assert ack["text"].startswith("That topic is 201 characters long")
    assert [len(t.title) for t in bot.topics(meetup_id)] == [MAX_TOPIC]


def test_a_hostile_schedule_is_refused_and_stores_nothing(bot):
    for text in (
        "schedule " + "z" * 5000,
        "schedule every 2 weeks tuesday 16:00 <!channel>/<@U123>",
        "schedule collect 1h vote 2h",
    ):
        answer = bot.organise(text)
        assert "<!channel>" not in answer.params["text"] and "<@U123>" not in answer.params["text"]
        assert not answer.params["text"].startswith("Lean coffee here")
        assert len(answer.params["text"]) < 500
    assert bot.count(CoffeeSeries) == 0
    assert bot.posts() == []


def test_the_propose_modal_is_valid_block_kit_and_limits_the_field(bot):
    meetup_id = bot.to_collecting()
    assert bot.click(views.PROPOSE, str(meetup_id), user="U2") == 200
    (opened,) = bot.slack.wait_for("views.open")
    view = opened.params["view"]
    assert_valid_view(view)
    element = view["blocks"][0]["element"]
    assert (element["type"], element["action_id"], element["max_length"]) == (
        "plain_text_input",
        "topic",
        MAX_TOPIC,
    )


def test_a_full_meetup_of_long_hostile_topics_stays_valid_block_kit(bot):
    meetup_id = bot.to_collecting()
    for n in range(MAX_TOPICS):
        title = f"{n:02d} <!channel> " + "é&<>" * 60
        title = title[:MAX_TOPIC]
        _, ack = bot.command(f"propose {title}", user=f"U{n:02d}")
        assert ack["text"].startswith(f"Added *{n + 1}.*"), ack
    _, ack = bot.command("propose one too many", user="U99")
    assert ack["text"] == f"This meetup already has {MAX_TOPICS} topics: vote for one of them?"
    assert bot.count(CoffeeTopic) == MAX_TOPICS
    assert_valid_blocks(bot.updates()[-1].params["blocks"])

    bot.clock.now = VOTE + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    vote_post = bot.posts()[-1]
    assert_valid_blocks(vote_post.params["blocks"])
    assert len(vote_buttons(vote_post.params["blocks"])) == MAX_TOPICS
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    agenda = bot.posts()[-1]
    # one message: titles shortened to fit Slack's ~12,000 characters a message
    assert [p.params["text"].startswith("Lean coffee agenda") for p in bot.posts()[-2:]] == [
        False,
        True,
    ]
    assert_valid_blocks(agenda.params["blocks"])
    # every topic is on the agenda, over as many sections as it takes, none cut off
    lines = all_text(agenda.params["blocks"]).splitlines()
    ranked = [line for line in lines if " · *0* votes · " in line]
    assert len(ranked) == MAX_TOPICS
    assert [line.split(".* ", 1)[0] for line in ranked] == [f"*{n}" for n in range(1, 41)]
    assert all("&lt;!channel&gt;" in line and "<" not in line for line in ranked)
    assert not [c for c in bot.calls() if "<!channel>" in json.dumps(c.params)]
    assert meetup_id == bot.meetups()[0].id
