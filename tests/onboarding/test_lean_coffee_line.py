"""Lean coffee in the welcome and the Home is the group's own series (the channel in settings),
its time a Slack date token, with a button to propose a topic or see the agenda."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bot.coffee.views import PROPOSE, PROPOSE_MODAL
from tests.blocks import all_text, assert_valid_view
from tests.conftest import SIGNING_SECRET
from tests.onboarding.conftest import CHANNEL, TEAM, dm_of
from tests.support.requests import bolt_request

OTHER = "C0OTHERS"  # another channel's lean coffee, sooner
# T0 is Wed 25 Nov 2026; the series meets on Tuesdays at 16:00 London, every two weeks
TOKEN = "<!date^1796140800^{date_short_pretty} at {time}|Tue 1 Dec, 16:00 GMT>"


def coffee_block(blocks: list[dict]) -> dict:
    (block,) = [b for b in blocks if "*Lean coffee*" in (b.get("text") or {}).get("text", "")]
    return block


def test_the_welcome_shows_the_groups_own_series_not_the_soonest_anywhere(
    make_onboarding_app, slack
):
    ob = make_onboarding_app(coffee_channel=CHANNEL, welcome_channels=f"{OTHER},{CHANNEL}")
    sooner = ob.coffee(OTHER, state="voting", weekday=4)  # this Friday
    ours = ob.coffee(CHANNEL, state="collecting")
    assert sooner != ours
    ob.join("U0EVE", "Eve")
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    block = coffee_block(post.params["blocks"])
    assert f"Next: {TOKEN} in <#{CHANNEL}>" in block["text"]["text"]
    assert OTHER not in json.dumps(post.params)
    button = block["accessory"]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        PROPOSE,
        str(ours),
        "Propose a topic",
    )


def test_the_propose_button_in_the_dm_opens_the_topic_form(ob, slack):
    meetup = ob.coffee(CHANNEL, state="collecting")
    ob.join("U0EVE", "Eve")
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    button = coffee_block(post.params["blocks"])["accessory"]
    payload = {
        "type": "block_actions",
        "user": {"id": "U0EVE", "name": "u0eve"},
        "team": {"id": TEAM},
        "api_app_id": "A0WGBOT",
        "token": "legacy-unused",
        "trigger_id": "1337.42.propose",
        "container": {
            "type": "message",
            "channel_id": dm_of("U0EVE"),
            "message_ts": post.answer["ts"],
            "is_ephemeral": False,
        },
        "channel": {"id": dm_of("U0EVE"), "name": "directmessage"},
        "message": {"ts": post.answer["ts"], "blocks": post.params["blocks"]},
        "actions": [{**button, "block_id": "b", "action_ts": "1.2", "type": "button"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    assert ob.app.dispatch(bolt_request(SIGNING_SECRET, body)).status == 200
    (opened,) = slack.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == PROPOSE_MODAL
    assert opened.params["view"]["private_metadata"].startswith(f"{meetup}:")


def test_before_topics_open_the_button_links_to_the_channel(ob, slack):
    ob.coffee(CHANNEL, state="scheduled")
    ob.event({"type": "app_home_opened", "user": "U0EVE", "channel": "D0EVE", "tab": "home"})
    (publish,) = slack.wait_for("views.publish")
    view = publish.params["view"]
    assert_valid_view(view)
    block = coffee_block(view["blocks"])
    assert TOKEN in block["text"]["text"]
    button = block["accessory"]
    assert button["text"]["text"] == "See the agenda"
    assert button["url"] == f"https://slack.com/app_redirect?channel={CHANNEL}&team={TEAM}"


def test_no_series_no_date(ob, slack):
    ob.join("U0EVE", "Eve")
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    block = coffee_block(post.params["blocks"])
    assert "<!date" not in block["text"]["text"] and "accessory" not in block
    assert "dot-vote" in all_text([block])
