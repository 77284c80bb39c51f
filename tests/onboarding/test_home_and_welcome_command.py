"""The App Home tab and the /welcome command, driven by signed requests."""

from __future__ import annotations

import pytest

from bot.onboarding import service
from tests.blocks import all_text, assert_valid_blocks, assert_valid_view
from tests.onboarding.conftest import ORGANISER, TEAM, checklist_state, dm_of

KEYS = ["introduced", "whitepaper", "meeting", "community"]


def home_opened(user_id: str, tab: str = "home") -> dict:
    return {"type": "app_home_opened", "user": user_id, "channel": dm_of(user_id), "tab": tab}


def test_app_home_is_published_for_anyone_even_without_a_welcome(ob, slack):
    assert ob.event(home_opened("U0NOBODY")).status == 200
    (publish,) = slack.wait_for("views.publish")
    assert publish.params["user_id"] == "U0NOBODY"
    view = publish.params["view"]
    assert view["type"] == "home"
    assert_valid_view(view)
    text = all_text(view["blocks"])
    assert "WG-Platforms" in text and "*Quick links*" in text
    assert "<https://tag-app-delivery.cncf.io/whitepapers/platforms/|Platforms white paper>" in text
    assert "Try `/talks platform-day`," in text  # the example while the catalog is empty
    assert checklist_state(view["blocks"]) == dict.fromkeys(KEYS, False)
    assert ob.rows() == []  # opening the Home tab owes nobody a DM


def test_app_home_shows_the_persons_own_ticks(ob, slack):
    with ob.store.session() as s:
        service.set_tick(s, TEAM, "U0ANN", "meeting", True, ob.clock())
        service.set_tick(s, TEAM, "U0BEN", "whitepaper", True, ob.clock())
    ob.event(home_opened("U0ANN"))
    (publish,) = slack.wait_for("views.publish")
    state = checklist_state(publish.params["view"]["blocks"])
    assert state == {**dict.fromkeys(KEYS, False), "meeting": True}


def test_app_home_lists_the_catalogs_events(make_onboarding_app, seeded, slack):
    ob = make_onboarding_app(on=seeded)
    ob.event(home_opened("U0ANN"))
    (publish,) = slack.wait_for("views.publish")
    assert_valid_view(publish.params["view"])
    text = all_text(publish.params["view"]["blocks"])
    # the events that have talks, by slug
    assert "Try `/talks kubecon` `/talks platform-day` `/talks openshift-commons`," in text


def test_the_messages_tab_publishes_nothing(ob, slack):
    assert ob.event(home_opened("U0ANN", tab="messages")).status == 200
    ob.settle()
    assert slack.calls_to("views.publish") == []


def test_slash_welcome_acks_privately_and_owes_a_new_welcome(ob, slack):
    response, body = ob.command("", user_id="U0ADA", user_name="ada")
    assert response.status == 200
    assert body == {
        "response_type": "ephemeral",
        "text": "On its way: look for a DM from me in a moment.",
    }
    row = ob.row("U0ADA")
    assert (row.scope, row.state, row.name) == ("request:1337.42.abcd", "pending", "ada")
    assert ob.sent() == []  # nothing before the ack
    # Slack retrying the same command (same trigger id) does not owe it twice
    ob.command("", user_id="U0ADA", user_name="ada")
    assert len(ob.rows()) == 1
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of("U0ADA")
    assert "Hi ada!" in all_text(post.params["blocks"])
    assert ob.row("U0ADA").state == "sent"


def test_slash_welcome_after_a_welcome_sends_it_again(ob, slack):
    ob.join("U0ADA", "Ada")
    ob.drain()
    ob.command("again", user_id="U0ADA", user_name="ada")
    ob.drain()
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == [
        dm_of("U0ADA"),
        dm_of("U0ADA"),
    ]


def test_slash_welcome_with_other_text_explains_itself(ob, slack):
    _, body = ob.command("please <!channel>", user_id="U0ADA")
    assert body["response_type"] == "ephemeral"
    assert "`/welcome preview`" in body["text"] and "<!channel>" not in body["text"]
    assert ob.rows() == []


def preview(ob, slack, user_id: str, user_name: str = "ada") -> dict:
    response, body = ob.command(
        "preview", user_id=user_id, user_name=user_name, response_url=slack.response_url()
    )
    assert response.status == 200
    assert body == {"response_type": "ephemeral", "text": "Preparing the preview…"}
    (answer,) = slack.wait_for("response_url")
    assert answer.path == "/response/r1"
    assert ob.rows() == []  # a preview owes nobody a DM
    return answer.params


def assert_is_preview(params: dict, name: str) -> None:
    assert params["response_type"] == "ephemeral"
    blocks = params["blocks"]
    assert_valid_blocks(blocks)
    assert blocks[0]["type"] == "context" and "Preview" in all_text(blocks[:1])
    assert blocks[1]["type"] == "header"
    assert f"Hi {name}!" in all_text(blocks)
    assert checklist_state(blocks) == dict.fromkeys(KEYS, False)


def test_an_organiser_named_in_the_settings_gets_the_preview(ob, slack):
    params = preview(ob, slack, ORGANISER, user_name="<b>oss</b>")
    assert_is_preview(params, "&lt;b&gt;oss&lt;/b&gt;")
    ob.settle()
    assert slack.calls_to("users.info") == []  # the settings were enough


@pytest.mark.parametrize("role", ["is_admin", "is_owner"])
def test_a_workspace_admin_or_owner_gets_the_preview(ob, slack, role):
    slack.users["U0ADM"] = {role: True}
    params = preview(ob, slack, "U0ADM", user_name="adm")
    assert_is_preview(params, "adm")
    (info,) = slack.calls_to("users.info")
    assert info.params["user"] == "U0ADM"


def test_anyone_else_is_refused_the_preview(ob, slack):
    slack.users["U0ADA"] = {"is_admin": False, "is_owner": False}
    params = preview(ob, slack, "U0ADA")
    assert params["text"] == "Only organisers can preview the welcome. `/welcome` sends it to you."
    assert "blocks" not in params
    assert ob.sent()[-1].method == "response_url"
    assert slack.calls_to("chat.postMessage") == []
