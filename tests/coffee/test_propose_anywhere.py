"""A "Propose a topic" button, however old (an earlier collection message, the welcome DM, the
day-7 tip, the App Home), proposes to the channel's meetup taking topics now; when none is, the
form is not opened and the person is told, privately, when collection opens next."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlencode

from bot.coffee import views
from tests.coffee.conftest import MEETUP, NEXT_MEETUP, TEAM, token
from tests.conftest import SIGNING_SECRET
from tests.support.requests import action_body, bolt_request

# the next meetup's topics open three days before it: Saturday 4 April, 16:00 in London
OPENS = NEXT_MEETUP - dt.timedelta(days=3)


def _closed_first(bot) -> int:
    """The first meetup's topics are settled (its agenda is out); the next is scheduled."""
    first = bot.to_collecting()
    bot.command("propose Golden paths", user="U1")
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    assert [s.state for s in bot.meetups()] == ["closed", "scheduled"]
    return first


def test_an_old_propose_button_proposes_to_the_meetup_collecting_now(bot):
    first = bot.to_collecting()
    (collection,) = bot.posts()
    (old_value,) = {
        e["value"]
        for b in collection.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == views.PROPOSE
    }
    assert old_value == str(first)
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    assert bot.organise("open").params["text"] == "Done: this meetup is now collecting."
    current = bot.meetup_id()
    assert current != first

    assert bot.click(views.PROPOSE, old_value, user="U2") == 200
    bot.settle()
    (opened,) = bot.slack.calls_to("views.open")
    assert opened.params["view"]["private_metadata"] == f"{current}:"
    # a form opened on the old meetup before it closed lands in the current one too
    response = bot.submit_modal(f"{first}:", "Paved roads", user="U3")
    assert response.status == 200 and not response.body
    assert [t.title for t in bot.topics(current)] == ["Paved roads"]
    assert bot.topics(first) == []


def test_with_no_meetup_collecting_the_button_says_when_collection_opens(bot):
    first = _closed_first(bot)
    assert bot.click(views.PROPOSE, str(first), user="U2", reply="early") == 200
    answer = bot.reply("early")
    assert bot.slack.calls_to("views.open") == []
    assert answer.params["response_type"] == "ephemeral"
    assert answer.params["text"] == (
        "Topics are not being collected right now: collection opens "
        f"{token(OPENS, 'Sat 4 Apr, 16:00 BST')}."
    )


def test_a_home_button_is_answered_by_dm_when_none_is_collecting(bot):
    first = _closed_first(bot)
    raw = action_body(views.PROPOSE, str(first), user_id="U7", team_id=TEAM)
    payload = json.loads(parse_qs(raw)["payload"][0])
    # a click on the App Home: a view, no message, so no response_url
    del payload["response_url"], payload["channel"]
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    payload["view"] = {"id": "VHOME", "type": "home", "blocks": []}
    body = urlencode({"payload": json.dumps(payload)})
    assert bot.app.dispatch(bolt_request(SIGNING_SECRET, body)).status == 200
    bot.settle()
    assert bot.slack.calls_to("views.open") == []
    (dm,) = [p for p in bot.posts() if p.params["channel"] == "U7"]
    assert token(OPENS, "Sat 4 Apr, 16:00 BST") in dm.params["text"]


def test_a_form_sent_when_none_is_collecting_says_when_in_plain_text(bot):
    first = _closed_first(bot)
    response = bot.submit_modal(f"{first}:", "Too late", user="U2")
    errors = json.loads(response.body)["errors"]
    assert errors == {
        "topic": "Topics are not being collected right now: collection opens Sat 4 Apr, 16:00 BST."
    }
    assert len(bot.topics()) == 1  # only the first meetup's


def test_a_refusal_in_the_form_shows_no_code_marks(bot):
    meetup_id = bot.to_collecting()
    for n in range(3):
        bot.command(f"propose Topic {n}", user="U1")
    response = bot.submit_modal(f"{meetup_id}:", "One more", user="U1")
    (error,) = json.loads(response.body)["errors"].values()
    assert error.startswith("You already have 3 topics for this meetup")
    assert "/coffee mine" in error and "`" not in error
