"""Messages in the bot's Messages tab (message.im): every one acknowledged; a person writing gets
one short answer a day pointing to the commands; bots, the bot itself, edits and deletions get
none. Real payloads, over signed HTTP and over Socket Mode."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.onboarding import service
from tests.blocks import all_text, assert_valid_blocks
from tests.onboarding.conftest import TEAM
from tests.payloads import load

ADA, ADAS_DM = "U0ADA", "D0ADA"


def test_a_message_to_the_bot_gets_a_short_answer_in_that_conversation(ob, slack, transport):
    message = load("message_im")
    assert (message.event["user"], message.event["channel"]) == (ADA, ADAS_DM)
    ob.send(message, transport)
    assert ob.sent() == []  # the ack only recorded the answer it owes
    row = ob.row(ADA)
    assert (row.team_id, row.kind, row.channel_id, row.state) == (
        TEAM,
        service.DM_ANSWER,
        ADAS_DM,
        "pending",
    )

    assert ob.drain() == 1
    # straight into the conversation it came from: no users.info, no conversations.open
    assert [c.method for c in ob.sent()] == ["chat.postMessage"]
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == ADAS_DM
    assert_valid_blocks(post.params["blocks"])
    text = all_text(post.params["blocks"])
    for command in ("`/talks`", "`/coffee`", "`/welcome`"):
        assert command in text
    assert "The Home tab of this app" in text  # the three pointers: /talks, /coffee, Home
    assert "/talks" in post.params["text"]
    assert "<!" not in json.dumps(post.params)  # mentions nobody
    row = ob.row(ADA)
    assert (row.state, row.message_ts) == ("sent", post.answer["ts"])


def test_more_messages_the_same_day_get_no_more_answers(ob, slack, transport):
    message = load("message_im")
    ob.send(message, transport)
    for text in ("and another thing", "hello?"):
        ob.send(message.but_event(text=text, ts="1355517600.000100"), transport)
    retry = message.but()  # Slack's own retry of the first (same event_id)
    ob.send(retry, transport)
    assert len(ob.rows()) == 1
    assert ob.drain() == 1
    ob.clock.advance(hours=6)
    ob.send(message.but_event(text="still there?"), transport)
    assert ob.drain() == 0
    assert len(slack.calls_to("chat.postMessage")) == 1

    # the next day, a message gets its answer again
    ob.clock.advance(days=1)
    ob.send(message.but_event(text="good morning"), transport)
    assert ob.drain() == 1
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert {r.created_at.date() for r in ob.rows()} == {
        ob.clock.now.date() - dt.timedelta(days=1),
        ob.clock.now.date(),
    }


@pytest.mark.parametrize(
    "name",
    [
        "message_im_bot_message",  # subtype bot_message
        "message_im_other_app",  # another app's post: bot_id, no subtype
        "message_im_own",  # the bot's own post, echoed back
        "message_im_changed",  # an edit
        "message_im_deleted",  # a deletion
        "message_channel",  # a channel message, should the app ever subscribe to them
    ],
)
def test_messages_the_bot_does_not_answer_are_still_acknowledged(ob, slack, transport, name):
    ob.send(load(name), transport)
    assert ob.rows() == []
    assert ob.drain() == 0
    assert ob.sent() == []


def test_an_answer_is_never_a_welcome_name_when_a_welcome_is_redrawn(ob, slack):
    """A checklist click redraws the welcome with the name it was sent with, not the answer's."""
    ob.join(ADA, "Ada")
    ob.drain()
    ob.clock.advance(minutes=5)
    ob.send(load("message_im"))
    ob.drain()
    welcome = slack.calls_to("chat.postMessage")[0]
    ob.click(
        ADA,
        "tick:introduced",
        channel=welcome.params["channel"],
        ts=welcome.answer["ts"],
        blocks=welcome.params["blocks"],
    )
    (update,) = slack.wait_for("chat.update")
    assert "Hi Ada!" in all_text(update.params["blocks"])
