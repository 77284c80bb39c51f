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
    assert "Try `/talks platform-day` or `/talks help`" in text  # while the catalog is empty
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
    assert (
        "Try `/talks kubecon`, `/talks platform-day`, `/talks openshift-commons` or "
        "`/talks help` for speakers, companies, days and topics."
    ) in text


def test_the_messages_tab_publishes_nothing(ob, slack):
    assert ob.event(home_opened("U0ANN", tab="messages")).status == 200
    ob.settle()
    assert slack.calls_to("views.publish") == []


def test_slash_welcome_acks_privately_and_owes_a_resend_greeting_by_display_name(ob, slack):
    slack.users["U0ADA"] = {"profile": {"display_name": "Ada L."}}
    response, body = ob.command("", user_id="U0ADA", user_name="ada")
    assert response.status == 200
    assert body == {
        "response_type": "ephemeral",
        "text": "On its way: look for a DM from me in a moment.",
    }
    row = ob.row("U0ADA")
    assert (row.kind, row.scope, row.state, row.name) == (
        "welcome",
        "resend:2026-11-25T12",
        "pending",
        "",  # not the legacy handle: the sender asks users.info
    )
    assert ob.sent() == []  # nothing before the ack
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of("U0ADA")
    assert "Hi Ada L.!" in all_text(post.params["blocks"]) and "ada!" not in post.params["text"]
    assert ob.row("U0ADA").state == "sent"
    assert ob.feature.owe_journey_steps() == 0  # a resend is not a first welcome: no journey


def test_slash_welcome_resends_once_an_hour_and_says_so_when_refusing(ob, slack):
    assert "On its way" in ob.command("", user_id="U0ADA")[1]["text"]
    ob.clock.advance(minutes=59)
    for _ in range(20):  # a hundred calls would queue nothing more either
        _, body = ob.command("again", user_id="U0ADA")
        assert body["response_type"] == "ephemeral"
        assert "less than an hour ago" in body["text"]
        # when the next one may be asked for, as a date token (12:00 + 1 h)
        assert "<!date^1795611600^{time}|13:00 UTC>" in body["text"]
    assert len(ob.rows()) == 1
    ob.clock.advance(minutes=1)
    assert "On its way" in ob.command("", user_id="U0ADA")[1]["text"]
    _, other = ob.command("", user_id="U0BEN")  # a limit per person, not for everyone
    assert "On its way" in other["text"]
    assert ob.drain() == 3
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == [
        dm_of("U0ADA"),
        dm_of("U0ADA"),
        dm_of("U0BEN"),
    ]


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
    slack.users[ORGANISER] = {"name": "oss", "profile": {"display_name": "<b>Oss</b>"}}
    params = preview(ob, slack, ORGANISER, user_name="oss")
    assert_is_preview(params, "&lt;b&gt;Oss&lt;/b&gt;")  # the display name, not the handle
    ob.settle()
    (info,) = slack.calls_to("users.info")  # one look: the name (the settings said organiser)
    assert info.params["user"] == ORGANISER


@pytest.mark.parametrize("role", ["is_admin", "is_owner"])
def test_a_workspace_admin_or_owner_gets_the_preview(ob, slack, role):
    slack.users["U0ADM"] = {role: True, "profile": {"display_name": "Adm"}}
    params = preview(ob, slack, "U0ADM", user_name="adm")
    assert_is_preview(params, "Adm")
    (info,) = slack.calls_to("users.info")
    assert info.params["user"] == "U0ADM"


def test_anyone_else_is_refused_the_preview(ob, slack):
    slack.users["U0ADA"] = {"is_admin": False, "is_owner": False}
    params = preview(ob, slack, "U0ADA")
    assert params["text"] == "Only organisers can preview the welcome. `/welcome` sends it to you."
    assert "blocks" not in params
    assert ob.sent()[-1].method == "response_url"
    assert slack.calls_to("chat.postMessage") == []
