"""Checklist buttons clicked in the welcome DM (and the Home tab), as Slack sends the clicks."""

from __future__ import annotations

from sqlalchemy import select

from bot.onboarding import service, views
from bot.onboarding.content import default_content
from bot.sandbox.web_api import Call
from bot.store.models import ChannelMessage
from tests.blocks import all_text, assert_valid_blocks, assert_valid_view
from tests.onboarding.conftest import TEAM, checklist_state, dm_of

KEYS = ["introduced", "whitepaper", "meeting", "community"]


def welcomed(ob, slack, *users: tuple[str, str]) -> dict[str, Call]:
    for user_id, name in users:
        ob.join(user_id, name)
    ob.drain()
    posts = {c.params["channel"]: c for c in slack.calls_to("chat.postMessage")}
    return {user_id: posts[dm_of(user_id)] for user_id, _ in users}


def state(**ticked: bool) -> dict[str, bool]:
    return {key: ticked.get(key, False) for key in KEYS}


def test_interleaved_clicks_of_two_people_each_redraw_their_own_dm(ob, slack):
    dms = welcomed(ob, slack, ("U0ANN", "Ann <3"), ("U0BEN", "Ben"))
    shown = {user: post.params["blocks"] for user, post in dms.items()}
    where = {user: (post.params["channel"], post.answer["ts"]) for user, post in dms.items()}

    def click(user: str, value: str, expect: dict[str, bool]) -> None:
        before = len(slack.calls_to("chat.update"))
        channel, ts = where[user]
        ob.click(user, value, channel=channel, ts=ts, blocks=shown[user])
        update = slack.wait_for("chat.update", before + 1)[before]
        # the update goes to the message clicked, in that person's DM
        assert (update.params["channel"], update.params["ts"]) == (channel, ts)
        blocks = update.params["blocks"]
        assert_valid_blocks(blocks)
        assert checklist_state(blocks) == expect
        assert blocks[0]["type"] == "header"  # still the welcome, not the follow-up
        shown[user] = blocks

    # the value comes from the button Slack shows, as a real click would
    def button(user: str, key: str) -> str:
        return next(
            b["accessory"]["value"] for b in shown[user] if b.get("block_id") == f"check_{key}"
        )

    click("U0ANN", button("U0ANN", "introduced"), state(introduced=True))
    click("U0BEN", button("U0BEN", "meeting"), state(meeting=True))
    click("U0ANN", button("U0ANN", "whitepaper"), state(introduced=True, whitepaper=True))
    click("U0BEN", button("U0BEN", "introduced"), state(meeting=True, introduced=True))
    assert button("U0ANN", "introduced") == "untick:introduced"
    click("U0ANN", button("U0ANN", "introduced"), state(whitepaper=True))  # undo
    click(
        "U0BEN", button("U0BEN", "community"), state(meeting=True, introduced=True, community=True)
    )

    assert ob.ticks() == {
        ("U0ANN", "whitepaper"),
        ("U0BEN", "meeting"),
        ("U0BEN", "introduced"),
        ("U0BEN", "community"),
    }
    # the redrawn message keeps the name it was sent with, escaped
    assert "Hi Ann &lt;3!" in all_text(shown["U0ANN"])
    assert "Hi Ben!" in all_text(shown["U0BEN"])
    assert "Ann <3" not in all_text(shown["U0ANN"])
    # after the welcomes, clicks only redraw: the DM, and the Home (whose organiser part
    # needs users.info to know who is an organiser)
    assert {c.method for c in ob.sent()} == {
        "conversations.open",
        "chat.postMessage",
        "chat.update",
        "views.publish",
        "users.info",
    }


def test_a_double_tick_is_idempotent_and_an_unknown_key_changes_nothing(ob, slack):
    dms = welcomed(ob, slack, ("U0ANN", "Ann"))
    post = dms["U0ANN"]
    where = {"channel": post.params["channel"], "ts": post.answer["ts"]}
    blocks = post.params["blocks"]

    for _ in (1, 2):  # a double click: the same "tick" value twice
        ob.click("U0ANN", "tick:meeting", blocks=blocks, **where)
        (update,) = slack.wait_for("chat.update", 1)
        assert checklist_state(update.params["blocks"]) == state(meeting=True)
    assert ob.ticks() == {("U0ANN", "meeting")}

    for value in ("tick:no_such_item", "untick:introduced", "steal:meeting", "meeting", ""):
        ob.click("U0ANN", value, blocks=blocks, **where)
    assert ob.ticks() == {("U0ANN", "meeting")}
    # every click owes a redraw (an unknown button too), drawn from the database: the message
    # shows that single tick already, so nothing more is sent
    ob.settle()
    (update,) = slack.calls_to("chat.update")
    assert checklist_state(update.params["blocks"]) == state(meeting=True)
    with ob.store.session() as s:
        (row,) = s.scalars(select(ChannelMessage)).all()
    assert (row.channel_id, row.ts, row.state) == (where["channel"], where["ts"], "sent")
    assert row.wanted == row.drawn > 0  # nothing left owed


def test_a_click_in_the_home_tab_republishes_the_home_view(ob, slack):
    ob.click("U0NEW", "tick:whitepaper", home=True)
    (publish,) = slack.wait_for("views.publish")
    assert publish.params["user_id"] == "U0NEW"
    view = publish.params["view"]
    assert view["type"] == "home"
    assert_valid_view(view)
    assert checklist_state(view["blocks"]) == state(whitepaper=True)
    assert ob.ticks() == {("U0NEW", "whitepaper")}
    ob.settle()
    assert slack.calls_to("chat.update") == []


def test_a_click_on_the_follow_up_redraws_the_follow_up(ob, slack):
    reply = views.follow_up(default_content(), "Ann", set())
    ob.click("U0ANN", "tick:meeting", channel="D0ANN", ts="1700000000.000001", blocks=reply.blocks)
    (update,) = slack.wait_for("chat.update")
    blocks = update.params["blocks"]
    assert all(b["type"] != "header" for b in blocks)
    assert checklist_state(blocks) == state(meeting=True)
    assert (update.params["channel"], update.params["ts"]) == ("D0ANN", "1700000000.000001")


def test_ticks_are_kept_per_team(ob):
    with ob.store.session() as s:
        service.set_tick(s, TEAM, "U0ANN", "meeting", True, ob.clock())
        service.set_tick(s, "T0OTHER", "U0ANN", "whitepaper", True, ob.clock())
        assert service.ticks(s, TEAM, "U0ANN") == {"meeting"}
        service.set_tick(s, TEAM, "U0ANN", "meeting", False, ob.clock())
        service.set_tick(s, TEAM, "U0ANN", "meeting", False, ob.clock())  # twice: harmless
        assert service.ticks(s, TEAM, "U0ANN") == set()
        assert service.ticks(s, "T0OTHER", "U0ANN") == {"whitepaper"}


def test_a_checklist_redraw_slack_refuses_with_a_5xx_is_retried_and_shows_the_ticks(ob, slack):
    """The redraw of the DM a tick owes is in the database with the tick: a 503 on chat.update
    is retried after the back-off (on the test's clock), and the message then shows every
    tick the database holds, a tick made meanwhile included."""
    dms = welcomed(ob, slack, ("U0ANN", "Ann"))
    post = dms["U0ANN"]
    where = {"channel": post.params["channel"], "ts": post.answer["ts"]}
    blocks = post.params["blocks"]
    slack.fail("chat.update", 503, times=1)
    ob.click("U0ANN", "tick:meeting", blocks=blocks, **where)
    ob.settle()
    assert [c.method for c in slack.refused] == ["chat.update"]
    assert slack.calls_to("chat.update") == []
    with ob.store.session() as s:
        (row,) = s.scalars(select(ChannelMessage)).all()
    assert row.wanted > row.drawn and row.last_error == "internal_error"  # owed, due later
    ob.click("U0ANN", "tick:whitepaper", blocks=blocks, **where)  # while it waits
    ob.settle()
    assert slack.calls_to("chat.update") == []
    courier = ob.feature.courier
    assert courier is not None
    ob.clock.advance(seconds=5)  # the first back-off
    courier.drain(wait=True)
    (update,) = slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (where["channel"], where["ts"])
    assert checklist_state(update.params["blocks"]) == state(meeting=True, whitepaper=True)
    assert ob.ticks() == {("U0ANN", "meeting"), ("U0ANN", "whitepaper")}
    with ob.store.session() as s:
        (row,) = s.scalars(select(ChannelMessage)).all()
    assert row.wanted == row.drawn and row.last_error == ""
