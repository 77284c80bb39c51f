"""/welcome preview shows the welcome and changes nothing: its buttons are acknowledged, answered
with a note through response_url, and neither tick anything nor call chat.update."""

from __future__ import annotations

import pytest

from bot.onboarding import service, views
from tests.blocks import all_text
from tests.onboarding.conftest import CHANNEL, ORGANISER, TEAM, Onboarding, checklist_state
from tests.payloads import Payload, load


def snapshot(ob: Onboarding) -> tuple[list[tuple], set[tuple[str, str]]]:
    rows = [(r.user_id, r.kind, r.scope, r.state, r.due_at, r.attempts) for r in ob.rows()]
    return rows, ob.ticks()


def organiser_with_a_real_checklist(ob: Onboarding) -> None:
    """The organiser was welcomed too and ticked one item: a preview click must not touch it."""
    ob.join(ORGANISER, "Oss")
    ob.drain()
    with ob.store.session() as s:
        service.set_tick(s, TEAM, ORGANISER, "meeting", True, ob.clock())


def preview_buttons(ob: Onboarding, slack) -> list[dict]:
    response, _ = ob.command("preview", user_id=ORGANISER, response_url=slack.response_url("p"))
    assert response.status == 200
    (shown,) = slack.wait_for("response_url")
    return [b["accessory"] for b in shown.params["blocks"] if "accessory" in b]


def test_the_preview_is_byte_for_byte_the_dm_lean_coffee_line_included(ob, slack):
    """An organiser's preview, then the same organiser's /welcome: the same text and blocks."""
    meetup = ob.coffee(state="collecting")
    slack.users[ORGANISER] = {"name": "oss", "profile": {"display_name": "Oss <3"}}
    with ob.store.session() as s:
        service.set_tick(s, TEAM, ORGANISER, "meeting", True, ob.clock())
    response, _ = ob.command("preview", user_id=ORGANISER, response_url=slack.response_url("p"))
    assert response.status == 200
    (shown,) = slack.wait_for("response_url")
    note, *preview = shown.params["blocks"]
    assert note["type"] == "context" and "Preview" in note["elements"][0]["text"]

    ob.command("", user_id=ORGANISER, user_name="oss")
    assert ob.drain() == 1
    (dm,) = slack.calls_to("chat.postMessage")
    assert preview == dm.params["blocks"]
    assert shown.params["text"] == dm.params["text"]
    text = all_text(preview)
    assert "Hi Oss &lt;3!" in text  # the display name, escaped, never the handle
    assert "*Lean coffee*" in text and f"<#{CHANNEL}>" in text
    coffee = next(b for b in preview if "*Lean coffee*" in b.get("text", {}).get("text", ""))
    assert coffee["accessory"]["value"] == str(meetup)  # propose a topic, from the DM
    assert checklist_state(preview)["meeting"] is True  # their own ticks, as the DM shows
    # its buttons are the DM's; a click on the ephemeral preview is still inert (below)
    assert {
        b["accessory"]["action_id"] for b in preview if b.get("block_id", "").startswith("check_")
    } == {views.TICK}


def click(payload: Payload, slack, button: dict | None = None) -> Payload:
    action = {**payload.body["actions"][0], **(button or {})}
    return payload.but(response_url=slack.response_url("click"), actions=[action])


@pytest.mark.parametrize(
    "name", ["block_actions_preview", "block_actions_preview_before_its_own_action_id"]
)
def test_a_click_in_the_preview_changes_nothing_and_says_it_is_a_preview(
    ob, slack, transport, name
):
    organiser_with_a_real_checklist(ob)
    before = snapshot(ob)
    slack.reset()

    payload = load(name)
    assert payload.body["container"]["is_ephemeral"] is True and "message" not in payload.body
    response = ob.send(click(payload, slack), transport)
    assert response.status == 200

    (note,) = slack.wait_for("response_url")
    assert note.path == "/response/click"
    assert note.params["text"] == views.PREVIEW_NOTE
    assert note.params["response_type"] == "ephemeral"
    assert note.params["replace_original"] is False  # the preview stays in view
    assert snapshot(ob) == before
    assert [c.method for c in ob.sent()] == ["response_url"]  # no chat.update, no views.publish


def test_every_button_of_a_real_preview_is_inert(ob, slack, transport):
    organiser_with_a_real_checklist(ob)
    buttons = preview_buttons(ob, slack)
    before = snapshot(ob)
    slack.reset()
    for button in buttons:  # "Done" on three items and "Undo" on the one already ticked
        b = {k: button[k] for k in ("action_id", "value")}
        ob.send(click(load("block_actions_preview"), slack, b), transport)
    notes = slack.wait_for("response_url", count=len(buttons))
    assert [n.params["text"] for n in notes] == [views.PREVIEW_NOTE] * len(buttons)
    assert snapshot(ob) == before
    assert slack.calls_to("chat.update") == []


def test_the_real_checklist_still_ticks(ob, slack, transport):
    """The welcome DM itself (not ephemeral) records the tick and redraws the message."""
    organiser_with_a_real_checklist(ob)
    (post,) = slack.calls_to("chat.postMessage")
    payload = click(load("block_actions_preview"), slack, {"action_id": views.TICK})
    container = {**payload.body["container"], "is_ephemeral": False}
    container.update(channel_id=post.params["channel"], message_ts=post.answer["ts"])
    message = {"type": "message", "ts": post.answer["ts"], "blocks": post.params["blocks"]}
    ob.send(payload.but(container=container, message=message), transport)
    assert (ORGANISER, "introduced") in ob.ticks()
    (update,) = slack.wait_for("chat.update")
    assert update.params["channel"] == post.params["channel"]
    state = checklist_state(update.params["blocks"])
    assert (state["introduced"], state["meeting"]) == (True, True)
    assert slack.calls_to("response_url") == []
